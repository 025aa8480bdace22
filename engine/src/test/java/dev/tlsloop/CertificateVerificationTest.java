package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Secure defaults: the client verifies chain, validity and host name, sends SNI, and a failed
 * handshake is a clear {@link SSLHandshakeException} on the client, an alert on the server, and two
 * closed connections (checklist items 20 and 25).
 */
class CertificateVerificationTest {
  private static TestPki pki;
  private static TestPki otherPki;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    otherPki = TestPki.create("some other CA");
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  /** Runs a handshake; returns the client's failure (or null) and checks the server's. */
  private static Outcome handshake(TlsConfig.Builder client, TestPki.Identity serverId)
      throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsConfig server = TlsConfig.server(pki.serverContext(serverId)).build();
      TlsChannel s = server.newChannel(lo.server);
      s.setTimeout(Duration.ofSeconds(20));
      Future<Exception> srv =
          threads.submit(
              () -> {
                try {
                  s.handshake();
                  ByteBuffer b = ByteBuffer.allocate(100);
                  s.read(b); // TLS 1.3: a rejected server certificate arrives as an alert here
                  return null;
                } catch (Exception e) {
                  return e;
                }
              });
      TlsChannel c = client.build().newChannel(lo.client);
      c.setTimeout(Duration.ofSeconds(20));
      Exception clientFailure = null;
      try {
        c.handshake();
        c.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)));
        c.close();
      } catch (Exception e) {
        clientFailure = e;
      }
      Exception serverFailure = srv.get(30, TimeUnit.SECONDS);
      return new Outcome(c, clientFailure, s, serverFailure);
    }
  }

  private static final class Outcome {
    final TlsChannel client;
    final Exception clientFailure;
    final TlsChannel server;
    final Exception serverFailure;

    Outcome(TlsChannel client, Exception cf, TlsChannel server, Exception sf) {
      this.client = client;
      this.clientFailure = cf;
      this.server = server;
      this.serverFailure = sf;
    }
  }

  private static void assertRejected(Outcome o, String messagePart) {
    assertTrue(
        o.clientFailure instanceof SSLHandshakeException,
        "client must fail with SSLHandshakeException, got " + o.clientFailure);
    assertTrue(
        String.valueOf(o.clientFailure.getMessage()).contains(messagePart),
        "message should say why: " + o.clientFailure.getMessage());
    assertEquals(TlsState.FAILED, o.client.connection().state());
    assertFalse(o.client.isOpen(), "failed client is closed");
    // The client's alert reached the server: it fails too instead of waiting.
    assertTrue(o.serverFailure instanceof SSLException, "server saw " + o.serverFailure);
    assertEquals(TlsState.FAILED, o.server.connection().state());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void wrongHostNameFailsTheClientHandshake(String protocol) throws Exception {
    Outcome o =
        handshake(
            TlsConfig.client("wrong.example", 1)
                .sslContext(pki.clientContext())
                .protocols(protocol),
            pki.issue("localhost"));
    assertRejected(o, "wrong.example");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void untrustedChainFailsTheClientHandshake(String protocol) throws Exception {
    Outcome o =
        handshake(
            TlsConfig.client("localhost", 1).trust(otherPki.trustStore()).protocols(protocol),
            pki.issue("localhost"));
    assertRejected(o, "PKIX path");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void expiredCertificateFailsTheClientHandshake(String protocol) throws Exception {
    Outcome o =
        handshake(
            TlsConfig.client("localhost", 1).trust(pki.trustStore()).protocols(protocol),
            pki.issueExpired("localhost"));
    assertRejected(o, "validity check failed");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void theDefaultTrustStoreDoesNotTrustATestCa(String protocol) throws Exception {
    Outcome o =
        handshake(TlsConfig.client("localhost", 1).protocols(protocol), pki.issue("localhost"));
    assertRejected(o, "PKIX path");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void explicitOptOutsAcceptWhatTheDefaultsRefuse(String protocol) throws Exception {
    Outcome wrongHost =
        handshake(
            TlsConfig.client("wrong.example", 1)
                .trust(pki.trustStore())
                .insecureSkipHostnameVerification()
                .protocols(protocol),
            pki.issue("localhost"));
    assertEquals(null, wrongHost.clientFailure);
    Outcome anything =
        handshake(
            TlsConfig.client("localhost", 1).insecureTrustAnyCertificate().protocols(protocol),
            otherPki.issueExpired("elsewhere"));
    assertEquals(null, anything.clientFailure);
  }

  @ParameterizedTest(name = "sni={0}")
  @ValueSource(booleans = {true, false})
  void theClientSendsSniUnlessToldNotTo(boolean sni) throws Exception {
    Outcome o =
        handshake(
            TlsConfig.client("localhost", 1).trust(pki.trustStore()).sni(sni),
            pki.issue("localhost"));
    assertEquals(null, o.clientFailure);
    List<SNIServerName> names =
        ((ExtendedSSLSession) o.server.connection().session()).getRequestedServerNames();
    assertEquals(sni ? List.of(new SNIHostName("localhost")) : List.of(), names);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1", "TLSv1.1", "SSLv3"})
  void oldProtocolsAreRefusedAtConfiguration(String protocol) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsConfig.client("localhost", 1).protocols(protocol));
    assertTrue(e.getMessage().contains(protocol));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\u0016\u0003\u0001\u00ff\u00ffgarbage"})
  void plaintextGarbageFailsTheServerCleanly(String garbage) throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsConfig server = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
      TlsChannel s = server.newChannel(lo.server);
      s.setTimeout(Duration.ofSeconds(10));
      lo.client.write(ByteBuffer.wrap(garbage.getBytes(StandardCharsets.ISO_8859_1)));
      lo.client.shutdownOutput();
      SSLException e = assertThrows(SSLException.class, () -> s.read(ByteBuffer.allocate(100)));
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
      assertEquals(TlsState.FAILED, s.connection().state());
      assertFalse(lo.server.isOpen(), "the failed server closed its socket");
      // The garbage sender sees the end of the connection (an alert, then EOF), never a hang.
      ByteBuffer rest = ByteBuffer.allocate(1000);
      lo.client.socket().setSoTimeout(10_000);
      int n;
      do {
        rest.clear();
        n = lo.client.read(rest);
      } while (n > 0);
      assertEquals(-1, n);
    }
  }
}
