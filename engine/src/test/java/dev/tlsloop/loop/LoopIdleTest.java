package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many established idle connections hold no buffer (the loop gives empty ones back), and each still
 * echoes when it wakes up. CI holds 500; the documented large run holds 10,000 (NOTES.md).
 */
class LoopIdleTest {
  static final int CONNECTIONS = Integer.getInteger("tlsloop.idle.connections", 500);

  @Test
  void idleEstablishedConnectionsHoldNoBuffersAndEachEchoesWhenWoken() throws Exception {
    LoopFixture f = new LoopFixture();
    Duration slow = Duration.ofMinutes(2); // thousands of handshakes on 2 cores take a while
    try (TlsLoopGroup server = LoopFixture.group(1);
        TlsLoopGroup clients = LoopFixture.group(1)) {
      InetSocketAddress at =
          server.listen(
              f.server().handshakeTimeout(slow).build(),
              new InetSocketAddress("127.0.0.1", 0),
              LoopFixture.Echo::new);
      long heapBefore = heapAfterGc();
      CountDownLatch open = new CountDownLatch(CONNECTIONS);
      List<Pong> pongs = new ArrayList<>();
      List<LoopConnection> conns = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        Pong p = new Pong(open);
        pongs.add(p);
        conns.add(
            clients.connect(f.client(at.getPort()).handshakeTimeout(slow).build(), at, p).get());
      }
      if (!open.await(5, TimeUnit.MINUTES)) {
        throw new AssertionError(open.getCount() + " handshakes did not finish");
      }
      LoopStats idle = Counters.settleBuffers(server);
      long heapIdle = heapAfterGc();
      assertEquals(CONNECTIONS, idle.connections(), idle.toString());
      assertEquals(0, idle.bufferBytesHeld(), "idle connections hold no buffer: " + idle);
      for (LoopConnection c : conns) {
        c.execute(() -> c.send(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
      }
      for (Pong p : pongs) {
        assertEquals(8, p.echoed.get(2, TimeUnit.MINUTES));
      }
      System.out.printf(
          "idle: %d established idle connections (both ends in this JVM): heap after GC %d KiB"
              + " more than before, %d bytes per connection pair; server buffers held %d%n",
          CONNECTIONS,
          (heapIdle - heapBefore) >> 10,
          (heapIdle - heapBefore) / CONNECTIONS,
          idle.bufferBytesHeld());
      conns.forEach(LoopConnection::close);
    }
  }

  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  /** Counts the echo of its one message. */
  static final class Pong implements TlsHandler {
    final CompletableFuture<Integer> echoed = new CompletableFuture<>();
    private final CountDownLatch open;
    private int got;

    Pong(CountDownLatch open) {
      this.open = open;
    }

    @Override
    public void onHandshake(LoopConnection conn) {
      open.countDown();
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      got += data.remaining();
      data.position(data.limit());
      if (got >= 8) {
        echoed.complete(got);
      }
    }

    @Override
    public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
      echoed.completeExceptionally(new AssertionError("closed early: " + cause, error));
    }
  }
}
