package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tlsloop.testkit.TestPki;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server-name options of {@link TlsConfig.Builder}: what they accept, refuse and route. */
class ServerNameConfigTest {
  private static TestPki pki;
  private static ExecutorService pool;
  private static SSLContext main;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    pool = Executors.newCachedThreadPool();
    main = pki.serverContext(pki.issue("localhost"));
  }

  @AfterAll
  static void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void wildcardsStandForOneWholeLabelOnly() {
    for (String bad : List.of("", "*", "*.", "a.*.test", "*a.test", "a..test", ".a.test", "a.")) {
      assertThrows(
          IllegalArgumentException.class, () -> TlsConfig.server(main).serverName(bad, main), bad);
    }
    TlsEngineFactory wild = (h, p, n) -> null;
    TlsEngineFactory exact = (h, p, n) -> null;
    ServerNameRouting r =
        new ServerNameRouting(
            java.util.Map.of(
                ServerNameRouting.normalize("*.Example.COM"), wild,
                ServerNameRouting.normalize("exact.example.com"), exact),
            (h, p, n) -> null);
    assertSame(wild, r.route("a.example.com"));
    assertSame(exact, r.route("exact.example.com"), "an exact name wins over the wildcard");
    assertNull(r.route("example.com"));
    assertNull(r.route("a.b.example.com"));
    assertNull(r.route(null));
  }

  @Test
  void serverNameOptionsAreRefusedOnAClientAndStrictNeedsRoutes() {
    assertThrows(
        IllegalStateException.class,
        () -> TlsConfig.client("localhost", 1).sniffServerName(true).build());
    assertThrows(
        IllegalStateException.class, () -> TlsConfig.server(main).strictServerNames(true).build());
  }

  @Test
  void aCustomFactoryReceivesTheSniffedNameInLowerCase() throws Exception {
    List<String> names = new CopyOnWriteArrayList<>();
    TlsConfig server =
        TlsConfig.server(main)
            .engineFactory(
                (h, p, n) -> {
                  names.add(n);
                  return main.createSSLEngine();
                })
            .sniffServerName(true)
            .build();
    TlsConfig client =
        TlsConfig.client("LocalHost", 443)
            .sslContext(pki.clientContext())
            .insecureSkipHostnameVerification()
            .build();
    try (Loopback l = Loopback.open();
        TlsChannel s = server.newChannel(l.server);
        TlsChannel c = client.newChannel(l.client)) {
      assertNull(s.connection().engine(), "no engine before the ClientHello");
      Future<?> h =
          pool.submit(
              () -> {
                s.handshake();
                return null;
              });
      c.handshake();
      h.get(30, TimeUnit.SECONDS);
      assertEquals(List.of("localhost"), names);
      assertEquals("localhost", s.connection().serverName());
      assertNotNull(s.connection().engine());
    }
  }

  @Test
  void aRouteMayRotateItsOwnCertificate() throws Exception {
    TestPki.Identity first = pki.issue("r.test");
    TestPki.Identity second = pki.issue("r.test");
    RotatingContext rotating = new RotatingContext(pki.serverContext(first));
    TlsConfig server = TlsConfig.server(main).serverName("r.test", rotating).build();
    assertEquals(first.certificate(), peerCertificate(server, "r.test"));
    rotating.set(pki.serverContext(second));
    assertEquals(second.certificate(), peerCertificate(server, "r.test"));
  }

  @Test
  void theDefaultRotatesWithRoutesPresent() throws Exception {
    TestPki.Identity first = pki.issue("localhost");
    TestPki.Identity second = pki.issue("localhost");
    RotatingContext rotating = new RotatingContext(pki.serverContext(first));
    TlsConfig server = TlsConfig.server(rotating).serverName("other.test", main).build();
    assertEquals(first.certificate(), peerCertificate(server, "localhost"));
    rotating.set(pki.serverContext(second));
    assertEquals(second.certificate(), peerCertificate(server, "localhost"));
  }

  private static Certificate peerCertificate(TlsConfig server, String name) throws Exception {
    // A new client config each time: no session to resume, a full handshake.
    TlsConfig client =
        TlsConfig.client(name, 443)
            .sslContext(pki.clientContext())
            .insecureSkipHostnameVerification()
            .build();
    try (Loopback l = Loopback.open();
        TlsChannel s = server.newChannel(l.server);
        TlsChannel c = client.newChannel(l.client)) {
      Future<?> h =
          pool.submit(
              () -> {
                s.handshake();
                return null;
              });
      c.handshake();
      h.get(30, TimeUnit.SECONDS);
      return c.connection().peerCertificates().get(0);
    }
  }
}
