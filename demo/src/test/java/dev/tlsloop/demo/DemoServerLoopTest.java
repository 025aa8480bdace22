package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsState;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The server on the engine's loops: many connections at once, bursts of records, a graceful
 * shutdown.
 */
@Timeout(60)
class DemoServerLoopTest {
  @TempDir Path dir;

  private static TlsChannel connect(DemoServers server, String protocol) throws Exception {
    TlsConfig config =
        TlsConfig.client("localhost", server.port())
            .trust(server.server.trustStore())
            .protocols(protocol)
            .build();
    SocketChannel ch = SocketChannel.open(new InetSocketAddress("localhost", server.port()));
    TlsChannel c = config.newChannel(ch);
    c.setTimeout(Duration.ofSeconds(20));
    c.handshake();
    return c;
  }

  private static byte[] readExactly(TlsChannel c, int n) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (c.read(b) < 0) {
        throw new AssertionError("EOF after " + b.position() + " of " + n + " bytes");
      }
    }
    return b.array();
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
  void manyConnectionsAtOnceAreAllEchoed(String protocol) throws Exception {
    int clients = 16;
    int size = 48 * 1024;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try (DemoServers server = DemoServers.start(dir, "--loops", "2")) {
      List<TlsChannel> open = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        open.add(connect(server, protocol));
      }
      assertEquals(clients, server.server.connectionCount(), "all open at the same time");
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        TlsChannel c = open.get(i);
        byte[] payload = new byte[size];
        new Random(i).nextBytes(payload);
        done.add(
            pool.submit(
                () -> {
                  // Write and read at once: the server echoes while we still send.
                  Future<?> writer =
                      Executors.newSingleThreadExecutor()
                          .submit(
                              () -> {
                                c.write(ByteBuffer.wrap(payload));
                                return null;
                              });
                  assertArrayEquals(payload, readExactly(c, size));
                  writer.get(20, TimeUnit.SECONDS);
                  c.close();
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(40, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Hundreds of tiny records arrive in a few TCP segments: the selector fires once, and only a loop
   * that keeps reading while {@code hasBuffered()} answers them all.
   */
  @Test
  void aBurstOfTinyRecordsIsAnsweredCompletely() throws Exception {
    try (DemoServers server = DemoServers.start(dir);
        TlsChannel c = connect(server, "TLSv1.3")) {
      ByteBuffer[] tiny = new ByteBuffer[300];
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < tiny.length; i++) {
        String s = String.format("%03d;", i);
        expected.append(s);
        tiny[i] = ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      for (ByteBuffer b : tiny) {
        c.write(b); // one record each
      }
      byte[] echo = readExactly(c, expected.length());
      assertEquals(
          expected.toString(), new String(echo, java.nio.charset.StandardCharsets.US_ASCII));
    }
  }

  /**
   * The shutdown is graceful: close_notify on every connection, and it waits for the clients'
   * answers (TLS 1.3 keeps the other direction open until the client closes) before it ends.
   */
  @Test
  void shutdownSendsCloseNotifyOnEveryOpenConnection() throws Exception {
    DemoServers server = DemoServers.start(dir);
    TlsChannel a = connect(server, "TLSv1.3");
    TlsChannel b = connect(server, "TLSv1.2");
    ExecutorService closer = Executors.newSingleThreadExecutor();
    try {
      for (TlsChannel c : List.of(a, b)) {
        c.write(ByteBuffer.wrap(new byte[] {42}));
        assertEquals(42, readExactly(c, 1)[0]);
      }
      Future<?> closed = closer.submit(server::close);
      for (TlsChannel c : List.of(a, b)) {
        // -1 (not a TlsTruncationException): the server said close_notify before closing TCP.
        assertEquals(-1, c.read(ByteBuffer.allocate(10)));
        TlsState s = c.connection().state();
        assertTrue(s == TlsState.INBOUND_CLOSED || s == TlsState.CLOSED, s.toString());
        c.close(); // our close_notify: the server's connection ends cleanly
      }
      closed.get(20, TimeUnit.SECONDS);
      assertEquals(0, server.server.connectionCount());
      assertEquals(0, server.server.stats().timeouts(), "no close deadline was needed");
      assertEquals("", server.err(), "no connection failed");
    } finally {
      closer.shutdownNow();
      a.close();
      b.close();
      server.close();
    }
  }
}
