package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsTruncationException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** One bad connection never hurts the others; limits hold; shutdown is graceful. */
class LoopResilienceTest {
  @Test
  void aHandlerThatThrowsClosesOnlyItsOwnConnection() throws Exception {
    LoopFixture f = new LoopFixture();
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(
              f.server().build(),
              new InetSocketAddress("127.0.0.1", 0),
              () ->
                  new LoopFixture.Echo() {
                    @Override
                    public void onData(LoopConnection conn, ByteBuffer data) {
                      if (StandardCharsets.US_ASCII
                          .decode(data.duplicate())
                          .toString()
                          .contains("boom")) {
                        throw new IllegalStateException("handler bug");
                      }
                      super.onData(conn, data);
                    }
                  });
      try (SSLSocket healthy = f.sslSocket(at, "TLSv1.3");
          TlsChannel bad = f.client(at.getPort()).build().newChannel(SocketChannel.open(at))) {
        healthy.startHandshake();
        bad.write(ByteBuffer.wrap("boom".getBytes(StandardCharsets.US_ASCII)));
        // Aborted without close_notify: the peer sees a truncation, never a clean end.
        assertThrows(TlsTruncationException.class, () -> bad.read(ByteBuffer.allocate(100)));
        byte[] data = LoopFixture.payload(1 << 20);
        assertArrayEquals(data, LoopFixture.echoOver(healthy, data));
      }
      assertEquals(1, g.stats().handlerErrors());
    }
  }

  @Test
  void atTheConnectionCapIdleHandshakesAreEvictedAndEstablishedAndNewClientsAreServed()
      throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options = LoopOptions.builder().loops(1).maxConnections(20).build();
    List<SocketChannel> idle = new ArrayList<>();
    try (TlsLoopGroup g = TlsLoopGroup.start(options)) {
      InetSocketAddress at =
          g.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      try (SSLSocket established = f.sslSocket(at, "TLSv1.3")) {
        byte[] one = LoopFixture.payload(1000);
        assertArrayEquals(one, LoopFixture.echoOver(established, one));
        for (int i = 0; i < 60; i++) {
          idle.add(SocketChannel.open(at)); // connect, never say hello
        }
        try (SSLSocket fresh = f.sslSocket(at, "TLSv1.3")) {
          assertArrayEquals(one, LoopFixture.echoOver(fresh, one));
        }
        assertArrayEquals(one, LoopFixture.echoOver(established, one));
        LoopStats s = g.stats();
        assertTrue(s.evictions() >= 40, s.toString());
        assertTrue(s.connections() <= 20, s.toString());
      }
    } finally {
      for (SocketChannel c : idle) {
        c.close();
      }
    }
  }

  @Test
  void concurrentHandshakesBeyondTheCapWaitForASlotAndAllComplete() throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options = LoopOptions.builder().loops(1).maxHandshakes(2).build();
    try (TlsLoopGroup server = TlsLoopGroup.start(options);
        TlsLoopGroup clients = LoopFixture.group(1)) {
      InetSocketAddress at =
          server.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      List<EchoClient> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        EchoClient c = new EchoClient(10_000);
        all.add(c);
        clients.connect(f.client(at.getPort()).build(), at, c);
      }
      for (EchoClient c : all) {
        c.done.get(60, TimeUnit.SECONDS);
      }
      assertEquals(20, server.stats().handshakesDone());
    }
  }

  @Test
  void aConnectThatNeverCompletesEndsAtTheConnectTimeout() throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options =
        LoopOptions.builder().loops(1).connectTimeout(Duration.ofMillis(300)).build();
    List<SocketChannel> fill = new ArrayList<>();
    // A listener that never accepts, with a full backlog: Linux drops further SYNs, so a connect
    // to it hangs (tcp_abort_on_overflow = 0, the default).
    try (java.nio.channels.ServerSocketChannel deaf =
            java.nio.channels.ServerSocketChannel.open()
                .bind(new InetSocketAddress("127.0.0.1", 0), 1);
        TlsLoopGroup g = TlsLoopGroup.start(options)) {
      InetSocketAddress at = (InetSocketAddress) deaf.getLocalAddress();
      for (int i = 0; i < 8; i++) {
        SocketChannel c = SocketChannel.open();
        c.configureBlocking(false);
        c.connect(at);
        fill.add(c);
      }
      Thread.sleep(200);
      EchoClient client = new EchoClient(1);
      CompletableFuture<LoopConnection> conn =
          g.connect(f.client(at.getPort()).build(), at, client);
      conn.get(10, TimeUnit.SECONDS);
      Exception e =
          assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> client.done.get(20, TimeUnit.SECONDS));
      assertTrue(
          e.getCause().getMessage().contains("TIMEOUT")
              || e.getCause().getMessage().contains("IO_ERROR"),
          e.getCause().getMessage());
      assertEquals(0, Counters.settle(g).connections());
    } finally {
      for (SocketChannel c : fill) {
        c.close();
      }
    }
  }

  @Test
  void aGracefulShutdownSendsCloseNotifyToOpenConnections() throws Exception {
    LoopFixture f = new LoopFixture();
    TlsLoopGroup g = LoopFixture.group(2);
    InetSocketAddress at =
        g.listen(f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
    try (SSLSocket s = f.sslSocket(at, "TLSv1.2")) {
      byte[] one = LoopFixture.payload(100);
      assertArrayEquals(one, LoopFixture.echoOver(s, one));
      assertTrue(g.shutdown(Duration.ofSeconds(10)));
      assertEquals(-1, s.getInputStream().read(), "close_notify, a clean end of stream");
    }
  }

  @Test
  void otherThreadsHandWorkToTheLoopThroughExecute() throws Exception {
    LoopFixture f = new LoopFixture();
    try (TlsLoopGroup server = LoopFixture.group(1);
        TlsLoopGroup clients = LoopFixture.group(1)) {
      InetSocketAddress at =
          server.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      CompletableFuture<String> echoed = new CompletableFuture<>();
      TlsHandler h =
          new TlsHandler() {
            @Override
            public void onData(LoopConnection conn, ByteBuffer data) {
              echoed.complete(StandardCharsets.US_ASCII.decode(data).toString());
            }
          };
      LoopConnection c = clients.connect(f.client(at.getPort()).build(), at, h).get();
      ByteBuffer hi = ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII));
      assertThrows(IllegalStateException.class, () -> c.send(hi));
      c.execute(() -> c.send(hi));
      assertEquals("hi", echoed.get(20, TimeUnit.SECONDS));
      c.close();
    }
  }
}
