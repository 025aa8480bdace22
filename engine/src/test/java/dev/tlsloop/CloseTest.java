package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * close_notify both ways, truncation, TLS 1.3 half-close vs TLS 1.2 duplex close, and what reads
 * and writes do after each kind of close (checklist items 15 to 18).
 */
class CloseTest {
  private static TestPki pki;
  private static TlsConfig server13;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    server13 = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  private static TlsConfig client(String protocol) throws Exception {
    return TlsConfig.client("localhost", 1).trust(pki.trustStore()).protocols(protocol).build();
  }

  private static TlsConfig server(String protocol) throws Exception {
    return TlsConfig.server(pki.serverContext(pki.issue("localhost"))).protocols(protocol).build();
  }

  /** Handshaken blocking pair over loopback. */
  private static TlsChannel[] pair(Loopback lo, String protocol) throws Exception {
    TlsChannel c = client(protocol).newChannel(lo.client);
    TlsChannel s = server(protocol).newChannel(lo.server);
    c.setTimeout(Duration.ofSeconds(20));
    s.setTimeout(Duration.ofSeconds(20));
    Future<?> hs =
        threads.submit(
            () -> {
              s.handshake();
              return null;
            });
    c.handshake();
    hs.get(20, TimeUnit.SECONDS);
    return new TlsChannel[] {c, s};
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  private static String readAll(TlsChannel ch) throws Exception {
    StringBuilder sb = new StringBuilder();
    ByteBuffer b = ByteBuffer.allocate(64);
    while (true) {
      b.clear();
      int n = ch.read(b);
      if (n < 0) {
        return sb.toString();
      }
      sb.append(new String(b.array(), 0, n, StandardCharsets.US_ASCII));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void clientCloseNotifyEndsTheServersStreamAfterTheLastByte(String protocol) throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, protocol);
      p[0].write(ascii("last words"));
      p[0].close();
      assertEquals("last words", readAll(p[1]));
      assertEquals(-1, p[1].read(ByteBuffer.allocate(10)), "still -1 when read again");
      assertEquals(TlsState.CLOSED, p[0].connection().state());
      assertTrue(
          p[1].connection().state() == TlsState.INBOUND_CLOSED
              || p[1].connection().state() == TlsState.CLOSED);
      p[1].close();
      assertEquals(TlsState.CLOSED, p[1].connection().state());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void serverCloseNotifyEndsTheClientsStream(String protocol) throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, protocol);
      p[1].write(ascii("bye"));
      p[1].close();
      assertEquals("bye", readAll(p[0]));
      p[0].close();
      assertEquals(TlsState.CLOSED, p[0].connection().state());
    }
  }

  @Test
  void tls13HalfCloseLetsTheServerKeepWritingAfterTheClientsCloseNotify() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, "TLSv1.3");
      p[0].write(ascii("request"));
      p[0].shutdownOutput();
      assertEquals(TlsState.OUTBOUND_CLOSED, p[0].connection().state());
      assertEquals("request", readAll(p[1]));
      assertEquals(TlsState.INBOUND_CLOSED, p[1].connection().state());
      p[1].write(ascii("response after your close_notify"));
      p[1].shutdownOutput();
      assertEquals(TlsState.CLOSED, p[1].connection().state());
      assertEquals("response after your close_notify", readAll(p[0]));
      assertEquals(TlsState.CLOSED, p[0].connection().state());
      IllegalStateException misuse =
          assertThrows(IllegalStateException.class, () -> p[0].write(ascii("x")));
      assertTrue(misuse.getMessage().contains("CLOSED"), misuse.getMessage());
    }
  }

  @Test
  void tls12CloseNotifyIsAnsweredAndClosesBothDirections() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, "TLSv1.2");
      p[0].shutdownOutput();
      assertEquals("", readAll(p[1]));
      // RFC 5246 7.2.1: the receiver answers with its own close_notify; no half-close in 1.2.
      assertEquals(TlsState.CLOSED, p[1].connection().state());
      assertThrows(SSLException.class, () -> p[1].write(ascii("too late")));
      assertEquals("", readAll(p[0]));
      assertEquals(TlsState.CLOSED, p[0].connection().state());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void eofWithoutCloseNotifyIsTruncationNotEndOfStream(String protocol) throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, protocol);
      p[1].write(ascii("partial respo"));
      lo.server.close(); // TCP FIN with no close_notify: what a truncation attack looks like
      ByteBuffer b = ByteBuffer.allocate(100);
      assertEquals(13, p[0].read(b), "bytes before the cut are delivered");
      TlsTruncationException e = assertThrows(TlsTruncationException.class, () -> p[0].read(b));
      assertTrue(e.getMessage().contains("close_notify"), e.getMessage());
      assertEquals(TlsState.FAILED, p[0].connection().state());
      SSLException again = assertThrows(SSLException.class, () -> p[0].read(b));
      assertTrue(again.getMessage().contains("failed earlier"), again.getMessage());
    }
  }

  @Test
  void readAfterCloseThrowsAndWriteAfterShutdownOutputIsMisuse() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, "TLSv1.3");
      p[0].shutdownOutput();
      IllegalStateException misuse =
          assertThrows(IllegalStateException.class, () -> p[0].write(ascii("x")));
      assertTrue(misuse.getMessage().contains("OUTBOUND_CLOSED"), misuse.getMessage());
      p[1].close();
      p[0].close();
      assertThrows(
          ClosedChannelException.class, () -> p[0].connection().read(ByteBuffer.allocate(1)));
      assertThrows(ClosedChannelException.class, () -> p[0].connection().write(ascii("x")));
      assertFalse(p[0].isOpen());
    }
  }

  @Test
  void eofDuringTheHandshakeFailsItWithoutSpinning() throws Exception {
    // A TCP server that reads the ClientHello and closes (checklist item 17).
    try (ServerSocketChannel l =
        ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      Future<?> rude =
          threads.submit(
              () -> {
                try (SocketChannel s = l.accept()) {
                  s.read(ByteBuffer.allocate(4096));
                }
                return null;
              });
      TlsChannel c = client("TLSv1.3").newChannel(SocketChannel.open(l.getLocalAddress()));
      c.setTimeout(Duration.ofSeconds(20));
      SSLHandshakeException e = assertThrows(SSLHandshakeException.class, c::handshake);
      assertTrue(e.getMessage().contains("during the handshake"), e.getMessage());
      assertEquals(TlsState.FAILED, c.connection().state());
      rude.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void closeDuringAStalledHandshakeReturnsAtOnce() throws Exception {
    // The peer accepts but never answers: the non-blocking client waits for READ; close() must
    // not follow the engine's NEED_UNWRAP into a wait (checklist item 18, Jetty #4209).
    try (ServerSocketChannel l =
            ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        SocketChannel ch = SocketChannel.open(l.getLocalAddress());
        SocketChannel silent = l.accept()) {
      ch.configureBlocking(false);
      TlsConnection c = client("TLSv1.3").newConnection(ch);
      assertEquals(TlsNeed.READ, c.handshake());
      assertEquals(TlsState.HANDSHAKING, c.state());
      c.close();
      assertEquals(TlsState.CLOSED, c.state());
      assertFalse(ch.isOpen());
      assertTrue(silent.isOpen());
    }
  }

  @Test
  void closeBeforeAnyHandshakeSendsNothing() throws Exception {
    try (Loopback lo = Loopback.open()) {
      lo.client.configureBlocking(false);
      TlsConnection c = client("TLSv1.3").newConnection(lo.client);
      c.close();
      assertEquals(TlsState.CLOSED, c.state());
      assertEquals(-1, lo.server.read(ByteBuffer.allocate(10)), "nothing sent, just FIN");
    }
  }

  @Test
  void serverConfigIsReusableAcrossConnections() throws Exception {
    for (int i = 0; i < 3; i++) {
      try (Loopback lo = Loopback.open()) {
        TlsChannel c = client("TLSv1.3").newChannel(lo.client);
        TlsChannel s = server13.newChannel(lo.server);
        Future<String> srv = threads.submit(() -> readAll(s));
        c.write(ascii("n" + i));
        c.close();
        assertEquals("n" + i, srv.get(20, TimeUnit.SECONDS));
        s.close();
      }
    }
  }
}
