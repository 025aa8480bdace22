package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The blocking facade: timeouts that leave the connection usable, scatter and gather. */
class TlsChannelTest {
  private static TestPki pki;
  private static TlsConfig server;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    server = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  private static TlsChannel client(Loopback lo) throws Exception {
    TlsChannel c =
        TlsConfig.client("localhost", 443).trust(pki.trustStore()).build().newChannel(lo.client);
    c.setTimeout(Duration.ofMillis(300));
    return c;
  }

  @Test
  void aSilentServerTimesTheHandshakeOut() throws Exception {
    try (Loopback lo = Loopback.open();
        TlsChannel c = client(lo)) {
      // The server socket accepts but never answers the ClientHello: a slow or dead peer.
      SocketTimeoutException e = assertThrows(SocketTimeoutException.class, c::handshake);
      assertTrue(e.getMessage().contains("timed out"), e.getMessage());
      assertEquals(TlsState.HANDSHAKING, c.connection().state());
    }
  }

  @Test
  void aReadTimeoutLeavesTheConnectionUsable() throws Exception {
    try (Loopback lo = Loopback.open();
        TlsChannel c = client(lo);
        TlsChannel s = server.newChannel(lo.server)) {
      Future<?> hs =
          threads.submit(
              () -> {
                s.handshake();
                return null;
              });
      c.setTimeout(Duration.ofSeconds(20)); // a first handshake in a cold JVM can take 300 ms
      c.handshake();
      hs.get(10, TimeUnit.SECONDS);
      c.setTimeout(Duration.ofMillis(300));
      ByteBuffer in = ByteBuffer.allocate(100);
      assertThrows(SocketTimeoutException.class, () -> c.read(in));
      s.write(ByteBuffer.wrap("late".getBytes(StandardCharsets.US_ASCII)));
      int n = c.read(in);
      assertEquals("late", new String(in.array(), 0, n, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void gatheringWritesAndScatteringReadsKeepOrder() throws Exception {
    try (Loopback lo = Loopback.open();
        TlsChannel c = client(lo);
        TlsChannel s = server.newChannel(lo.server)) {
      s.setTimeout(Duration.ofSeconds(10));
      c.setTimeout(Duration.ofSeconds(10));
      byte[] data = new byte[70_000];
      new java.util.Random(7).nextBytes(data);
      ByteBuffer[] parts = {
        ByteBuffer.wrap(data, 0, 10),
        ByteBuffer.wrap(data, 10, 40_000),
        ByteBuffer.wrap(data, 40_010, 29_990)
      };
      Future<Long> w = threads.submit(() -> c.write(parts));
      byte[] got = new byte[data.length];
      ByteBuffer[] dsts = {
        ByteBuffer.wrap(got, 0, 3),
        ByteBuffer.wrap(got, 3, 20_000),
        ByteBuffer.wrap(got, 20_003, data.length - 20_003)
      };
      long total = 0;
      while (total < data.length) {
        total += s.read(dsts);
      }
      assertEquals(data.length, w.get(10, TimeUnit.SECONDS));
      assertArrayEquals(data, got);
    }
  }
}
