package dev.tlsloop.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsState;
import dev.tlsloop.internal.Hellos;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLProtocolException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One server port, two names, two certificates: the server reads the ClientHello's server name
 * before it makes its engine. Run through the blocking {@link TlsChannel} and through the event
 * loop; hostile inputs are sent from raw sockets that read the alert back from the wire.
 */
class SniRoutingTest {
  private static TestPki pki;
  private static TestPki.Identity fallback;
  private static TestPki.Identity a;
  private static TestPki.Identity b;

  /** The two servers under test. */
  enum Kind {
    CHANNEL,
    LOOP
  }

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    fallback = pki.issue("default.test");
    a = pki.issue("a.test");
    b = pki.issue("*.b.test", "b.test");
  }

  private static TlsConfig config(boolean strict) throws Exception {
    return TlsConfig.server(pki.serverContext(fallback))
        .serverName("A.test", pki.serverContext(a))
        .serverName("b.test", pki.serverContext(b))
        .serverName("*.b.test", pki.serverContext(b))
        .strictServerNames(strict)
        .handshakeTimeout(java.time.Duration.ofSeconds(20))
        .build();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void eachNameGetsItsOwnCertificateFromOnePort(Kind kind) throws Exception {
    try (Server s = Server.start(kind, config(false))) {
      assertEquals(a.certificate(), handshake(s, "a.test", "TLSv1.3"));
      assertEquals(a.certificate(), handshake(s, "a.test", "TLSv1.2"));
      assertEquals(b.certificate(), handshake(s, "b.test", "TLSv1.3"));
      assertEquals(b.certificate(), handshake(s, "x.b.test", "TLSv1.3"), "wildcard");
      assertEquals(fallback.certificate(), handshake(s, "y.x.b.test", "TLSv1.3"), "one label");
      assertEquals(fallback.certificate(), handshake(s, "unknown.test", "TLSv1.3"));
      assertEquals(fallback.certificate(), handshake(s, null, "TLSv1.3"), "no SNI");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theServerConnectionReportsTheSniffedName(Kind kind) throws Exception {
    try (Server s = Server.start(kind, config(false))) {
      handshake(s, "x.b.test", "TLSv1.3");
      assertEquals("x.b.test", s.awaitName());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void strictModeSendsUnrecognizedNameAndFailsTheServerConnection(Kind kind) throws Exception {
    try (Server s = Server.start(kind, config(true))) {
      SSLException e =
          assertThrows(SSLException.class, () -> handshake(s, "unknown.test", "TLSv1.3"));
      assertTrue(e.getMessage().contains("unrecognized_name"), e.getMessage());
      IOException failure = s.awaitFailure();
      assertInstanceOf(SSLProtocolException.class, failure);
      assertTrue(failure.getMessage().contains("unknown.test"), failure.getMessage());
      assertEquals(a.certificate(), handshake(s, "a.test", "TLSv1.3"), "known names still work");
      assertEquals(fallback.certificate(), handshake(s, null, "TLSv1.3"), "no SNI: default");
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aClientHelloDrippedOneByteAtATimeIsRouted(Kind kind) throws Exception {
    try (Server s = Server.start(kind, config(false))) {
      byte[] hello = Hellos.jdk("TLSv1.3", "a.test", false);
      try (Socket raw = new Socket("127.0.0.1", s.port())) {
        raw.setTcpNoDelay(true);
        OutputStream out = raw.getOutputStream();
        for (byte x : hello) {
          out.write(x);
          out.flush();
        }
        // The engine made for a.test answers with its ServerHello (a handshake record).
        Wire.Rec first = firstRecord(raw);
        assertEquals(Wire.HANDSHAKE, first.type());
      }
      assertEquals("a.test", s.awaitName());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aClientHelloSplitOverManyRecordsIsRouted(Kind kind) throws Exception {
    try (Server s = Server.start(kind, config(false))) {
      byte[] hello =
          Hellos.reframe(
              Hellos.handshake(Hellos.jdk("TLSv1.2", "b.test", false)), 50, new Random(5));
      try (Socket raw = new Socket("127.0.0.1", s.port())) {
        raw.getOutputStream().write(hello);
        assertEquals(Wire.HANDSHAKE, firstRecord(raw).type());
      }
      assertEquals("b.test", s.awaitName());
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void garbageGetsUnexpectedMessageAndTheSocketCloses(Kind kind) throws Exception {
    assertAlertAndClose(kind, "garbage".getBytes(StandardCharsets.US_ASCII), 10);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void anHttpRequestGetsUnexpectedMessage(Kind kind) throws Exception {
    byte[] http = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    assertAlertAndClose(kind, http, 10);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void anOversizedRecordGetsRecordOverflow(Kind kind) throws Exception {
    assertAlertAndClose(kind, Wire.header(Wire.HANDSHAKE, Wire.TLS12, (1 << 14) + 1), 22);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aHelloOverSixtyFourKibGetsIllegalParameter(Kind kind) throws Exception {
    byte[] hs =
        Hellos.withPadding(Hellos.handshake(Hellos.jdk("TLSv1.3", "a.test", false)), 63_500);
    byte[] wire = Wire.records(Wire.HANDSHAKE, Wire.TLS12, hs, 100);
    assertTrue(wire.length > 64 * 1024 + 1, "records of the hello: " + wire.length);
    // Exactly one byte over the limit: the server reads all of it (no reset for unread bytes).
    byte[] sent = java.util.Arrays.copyOf(wire, 64 * 1024 + 1);
    assertAlertAndClose(kind, sent, 47);
  }

  @org.junit.jupiter.api.Test
  void theHandshakeTimeoutRunsWhileTheHelloIsIncomplete() throws Exception {
    TlsConfig config =
        TlsConfig.server(pki.serverContext(fallback))
            .serverName("a.test", pki.serverContext(a))
            .handshakeTimeout(java.time.Duration.ofMillis(300))
            .build();
    byte[] hello = Hellos.jdk("TLSv1.3", "a.test", false);
    try (Server s = Server.start(Kind.LOOP, config);
        Socket raw = new Socket("127.0.0.1", s.port())) {
      raw.getOutputStream().write(hello, 0, hello.length / 2); // and then nothing
      assertInstanceOf(dev.tlsloop.TlsTimeoutException.class, s.awaitFailure());
      Wire.Seen seen = Wire.readUntilEof(raw, 10_000);
      assertTrue(seen.eof() && seen.records().isEmpty(), seen.toString());
    }
  }

  private static void assertAlertAndClose(Kind kind, byte[] send, int alert) throws Exception {
    try (Server s = Server.start(kind, config(false));
        Socket raw = new Socket("127.0.0.1", s.port())) {
      raw.getOutputStream().write(send);
      Wire.Seen seen = Wire.readUntilEof(raw, 10_000);
      assertTrue(seen.eof(), "the server closes: " + seen);
      assertEquals(1, seen.records().size(), seen.toString());
      assertEquals(
          List.of(Wire.FATAL, alert),
          List.of(seen.last().level(), seen.last().description()),
          seen.toString());
      IOException failure = s.awaitFailure();
      assertInstanceOf(SSLProtocolException.class, failure);
    }
  }

  private static Wire.Rec firstRecord(Socket raw) throws IOException {
    raw.setSoTimeout(10_000);
    byte[] h = raw.getInputStream().readNBytes(5);
    int len = ((h[3] & 0xff) << 8) | (h[4] & 0xff);
    byte[] f = raw.getInputStream().readNBytes(len);
    return new Wire.Rec(h[0] & 0xff, ((h[1] & 0xff) << 8) | (h[2] & 0xff), f);
  }

  /**
   * A JDK client's handshake; returns the certificate the server presented. A fresh client context
   * each time: a JDK client resuming a session sends that session's server name again, whatever its
   * parameters say, so a cached session would decide the name.
   */
  private static X509Certificate handshake(Server s, String name, String protocol)
      throws IOException {
    try {
      return handshake(s, name, protocol, pki.clientContext());
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  private static X509Certificate handshake(Server s, String name, String protocol, SSLContext fresh)
      throws IOException {
    try (SSLSocket c = (SSLSocket) fresh.getSocketFactory().createSocket("127.0.0.1", s.port())) {
      SSLParameters p = c.getSSLParameters();
      p.setProtocols(new String[] {protocol});
      p.setServerNames(name == null ? List.of() : List.of(new SNIHostName(name)));
      c.setSSLParameters(p);
      c.setSoTimeout(10_000);
      c.startHandshake();
      return (X509Certificate) c.getSession().getPeerCertificates()[0];
    }
  }

  /** The server under test, of either kind; keeps the last connection's name and failure. */
  abstract static class Server implements AutoCloseable {
    final Map<String, Object> last = new ConcurrentHashMap<>();

    static Server start(Kind kind, TlsConfig config) throws IOException {
      return kind == Kind.LOOP ? new OnLoop(config) : new OnChannel(config);
    }

    abstract int port();

    @Override
    public abstract void close() throws IOException;

    String awaitName() throws InterruptedException {
      return (String) await("name");
    }

    IOException awaitFailure() throws InterruptedException {
      return (IOException) await("failure");
    }

    private Object await(String key) throws InterruptedException {
      for (int i = 0; i < 2000; i++) {
        Object o = last.remove(key);
        if (o != null) {
          return o;
        }
        Thread.sleep(5);
      }
      throw new AssertionError("no " + key + " within 10 s");
    }
  }

  /** Blocking: one thread per connection, each a TlsChannel. */
  static final class OnChannel extends Server {
    private final ServerSocketChannel listener;
    private final Thread acceptor;

    OnChannel(TlsConfig config) throws IOException {
      listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      acceptor =
          new Thread(
              () -> {
                while (listener.isOpen()) {
                  try {
                    SocketChannel sc = listener.accept();
                    Thread t = new Thread(() -> serve(config.newChannel(sc)));
                    t.setDaemon(true);
                    t.start();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void serve(TlsChannel ch) {
      try (ch) {
        ch.handshake();
        last.put("name", String.valueOf(ch.connection().serverName()));
        ByteBuffer buf = ByteBuffer.allocate(1);
        while (ch.read(buf) >= 0) {
          buf.clear();
        }
      } catch (IOException e) {
        if (ch.connection().state() == TlsState.FAILED) {
          if (ch.connection().serverName() != null) {
            last.put("name", ch.connection().serverName());
          }
          last.put("failure", ch.connection().failure());
        }
      }
    }

    @Override
    int port() {
      return ((InetSocketAddress) listener.socket().getLocalSocketAddress()).getPort();
    }

    @Override
    public void close() throws IOException {
      listener.close();
    }
  }

  /** The event loop, with a handler that keeps what it saw. */
  static final class OnLoop extends Server {
    private final dev.tlsloop.loop.TlsLoopGroup group;
    private final InetSocketAddress address;

    OnLoop(TlsConfig config) throws IOException {
      group =
          dev.tlsloop.loop.TlsLoopGroup.start(
              dev.tlsloop.loop.LoopOptions.builder().loops(1).build());
      address =
          group.listen(
              config,
              new InetSocketAddress("127.0.0.1", 0),
              () ->
                  new dev.tlsloop.loop.TlsHandler() {
                    @Override
                    public void onData(dev.tlsloop.loop.LoopConnection conn, ByteBuffer data) {}

                    @Override
                    public void onClosed(
                        dev.tlsloop.loop.LoopConnection conn,
                        dev.tlsloop.loop.CloseCause cause,
                        Throwable error) {
                      String name = conn.tls().serverName();
                      if (name != null) {
                        last.put("name", name);
                      }
                      IOException f = conn.tls().failure();
                      if (f != null) {
                        last.put("failure", f);
                      }
                    }
                  });
    }

    @Override
    int port() {
      return address.getPort();
    }

    @Override
    public void close() {
      group.close();
    }
  }
}
