package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsListener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** The remaining promises of the loop's Javadoc, one test each. */
class LoopPromisesTest {
  @Test
  void atTheCapWithNoConnectionHandshakingTheNewOneIsRefusedAndEstablishedOnesStay()
      throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options = LoopOptions.builder().loops(1).maxConnections(2).build();
    try (TlsLoopGroup g = TlsLoopGroup.start(options)) {
      InetSocketAddress at =
          g.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      byte[] one = LoopFixture.payload(100);
      try (SSLSocket a = f.sslSocket(at, "TLSv1.3");
          SSLSocket b = f.sslSocket(at, "TLSv1.3")) {
        assertArrayEquals(one, LoopFixture.echoOver(a, one));
        assertArrayEquals(one, LoopFixture.echoOver(b, one));
        try (SSLSocket c = f.sslSocket(at, "TLSv1.3")) {
          assertThrows(IOException.class, c::startHandshake, "closed at once at the cap");
        }
        assertArrayEquals(one, LoopFixture.echoOver(a, one));
        assertEquals(1, g.stats().refused());
        assertEquals(0, g.stats().evictions());
      }
    }
  }

  @Test
  void delegatedTasksRunOnTheGroupsExecutorNotOnTheLoopThread() throws Exception {
    LoopFixture f = new LoopFixture();
    List<String> taskThreads = new CopyOnWriteArrayList<>();
    TlsListener tasks =
        new TlsListener() {
          @Override
          public void onTask(TlsConnection c, long nanos, boolean onExecutor) {
            taskThreads.add(onExecutor + " " + Thread.currentThread().getName());
          }
        };
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(
              f.server().listener(tasks).build(),
              new InetSocketAddress("127.0.0.1", 0),
              LoopFixture.Echo::new);
      try (SSLSocket s = f.sslSocket(at, "TLSv1.3")) {
        byte[] one = LoopFixture.payload(10);
        assertArrayEquals(one, LoopFixture.echoOver(s, one));
      }
    }
    assertFalse(taskThreads.isEmpty());
    for (String t : taskThreads) {
      assertTrue(t.startsWith("true tlsloop-task-"), t);
    }
  }

  @Test
  void aShutdownAbortsWhatHasNotClosedWithinTheGraceAndTheThreadsEnd() throws Exception {
    LoopFixture f = new LoopFixture();
    Ended ended = new Ended();
    TlsLoopGroup g = LoopFixture.group(2);
    InetSocketAddress at =
        g.listen(f.server().build(), new InetSocketAddress("127.0.0.1", 0), ended.echo(false));
    try (SSLSocket silent = f.sslSocket(at, "TLSv1.3")) {
      silent.startHandshake(); // then never reads: our close_notify is never answered
      Thread.sleep(200);
      long t0 = System.nanoTime();
      assertTrue(g.shutdown(Duration.ofMillis(500)), "loop threads ended");
      assertTrue(g.awaitTermination(Duration.ofSeconds(1)));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(took < 5000, "shutdown took " + took + " ms");
      assertEquals(CloseCause.ABORTED, ended.next().cause());
    }
  }

  @Test
  void sendAfterCloseIsMisuseAndIsWritableFollowsTheQueue() throws Exception {
    LoopFixture f = new LoopFixture();
    List<String> seen = new CopyOnWriteArrayList<>();
    LoopOptions options = LoopOptions.builder().loops(1).sendQueueBytes(1000).build();
    TlsHandler h =
        new TlsHandler() {
          @Override
          public void onHandshake(LoopConnection conn) {
            seen.add("writable " + conn.isWritable());
            conn.send(ByteBuffer.wrap(new byte[1500])); // more than the queue holds
            seen.add("queued " + conn.queuedBytes() + " writable " + conn.isWritable());
            conn.close();
            try {
              conn.send(ByteBuffer.wrap(new byte[1]));
              seen.add("send after close accepted");
            } catch (IllegalStateException expected) {
              seen.add("send after close refused");
            }
          }

          @Override
          public void onData(LoopConnection conn, ByteBuffer data) {}
        };
    try (TlsLoopGroup g = TlsLoopGroup.start(options)) {
      InetSocketAddress at =
          g.listen(f.server().build(), new InetSocketAddress("127.0.0.1", 0), () -> h);
      try (SSLSocket s = f.sslSocket(at, "TLSv1.3")) {
        byte[] got = s.getInputStream().readAllBytes(); // up to close_notify
        assertEquals(1000, got.length, "what the queue took is sent before close_notify");
      }
    }
    assertEquals(
        List.of("writable true", "queued 1000 writable false", "send after close refused"), seen);
  }
}
