package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code revocationChecking(true)} really checks, offline: the test CA's leaf names no OCSP
 * responder and no CRL distribution point, so its status cannot be learned and the handshake fails
 * hard, while the same chain passes with the option off (the default).
 */
class RevocationCheckingTest {
  private static TestPki pki;
  private static TestPki.Identity serverId;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    serverId = pki.issue("localhost");
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  private static Exchange exchange(TlsConfig.Builder client) throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsConfig server = TlsConfig.server(pki.serverContext(serverId)).build();
      return Exchange.run(lo, client.build(), server, threads);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void withCheckingOnAChainWithoutRevocationInformationFails(String protocol) throws Exception {
    Exchange x =
        exchange(
            TlsConfig.client("localhost", 1)
                .trust(pki.trustStore())
                .protocols(protocol)
                .revocationChecking(true));
    assertTrue(
        x.clientFailure instanceof SSLHandshakeException, "client failure: " + x.clientFailure);
    // OCSP is tried first and fails for want of a responder; the CRL fallback's verdict is
    // attached to that failure as suppressed. The JDK's implicit checker would not try OCSP at all
    // (ocsp.enable is off): the explicit PKIXRevocationChecker is in use.
    assertTrue(
        x.clientFailure.getMessage().contains("Certificate does not specify OCSP responder"),
        x.clientFailure.getMessage());
    List<Throwable> all = new ArrayList<>();
    collect(x.clientFailure, all);
    assertTrue(
        all.stream()
            .anyMatch(
                t ->
                    t instanceof CertPathValidatorException
                        && ((CertPathValidatorException) t).getReason()
                            == BasicReason.UNDETERMINED_REVOCATION_STATUS
                        && t.getMessage().equals("Could not determine revocation status")),
        "no UNDETERMINED_REVOCATION_STATUS in " + all);
    assertEquals(TlsState.FAILED, x.client.connection().state());
  }

  /** {@code t}, its causes and everything suppressed along the way. */
  private static void collect(Throwable t, List<Throwable> out) {
    if (t == null || out.contains(t)) {
      return;
    }
    out.add(t);
    for (Throwable s : t.getSuppressed()) {
      collect(s, out);
    }
    collect(t.getCause(), out);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void theSameChainPassesWithCheckingOffTheDefault(String protocol) throws Exception {
    Exchange dflt =
        exchange(TlsConfig.client("localhost", 1).trust(pki.trustStore()).protocols(protocol));
    assertNull(dflt.clientFailure, "client: " + dflt.clientFailure);
    Exchange off =
        exchange(
            TlsConfig.client("localhost", 1)
                .trust(pki.trustStore())
                .protocols(protocol)
                .revocationChecking(false));
    assertNull(off.clientFailure, "client: " + off.clientFailure);
  }

  /** With default trust the anchors are the JDK's: the test CA is not among them. */
  @Test
  void withDefaultTrustTheJdkAnchorsDecide() throws Exception {
    TlsConfig.Builder b = TlsConfig.client("localhost", 1).revocationChecking(true);
    assertNotSame(SSLContext.getDefault(), b.build().context());
    Exchange x = exchange(b);
    assertTrue(
        x.clientFailure instanceof SSLHandshakeException, "client failure: " + x.clientFailure);
    assertTrue(
        x.clientFailure.getMessage().contains("unable to find valid certification path"),
        x.clientFailure.getMessage());
  }

  @Test
  void checkingCannotBeAddedToTrustTheConfigDidNotBuild() throws Exception {
    SSLContext own = pki.clientContext();
    assertThrows(
        IllegalStateException.class,
        () -> TlsConfig.client("localhost", 1).sslContext(own).revocationChecking(true).build());
    assertThrows(
        IllegalStateException.class,
        () ->
            TlsConfig.client("localhost", 1)
                .trustManagers(pki.trustManagers())
                .revocationChecking(true)
                .build());
    assertThrows(
        IllegalStateException.class,
        () ->
            TlsConfig.client("localhost", 1)
                .insecureTrustAnyCertificate()
                .revocationChecking(true)
                .build());
    assertThrows(
        IllegalStateException.class,
        () ->
            TlsConfig.server(serverId.keyStore(), TestPki.PASSWORD)
                .revocationChecking(true)
                .build());
  }
}
