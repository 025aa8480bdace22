package dev.tlsloop.bench.peer;

import dev.tlsloop.testkit.CountingTrustManager;
import dev.tlsloop.testkit.TestPki;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What every peer shares: a throw-away PKI (made at run time, nothing committed), the pinned
 * protocol, suite and key-exchange group, and a count of full handshakes.
 *
 * <p>Full handshakes are counted on the client by the trust manager: a full TLS 1.3 handshake
 * checks the server's certificate, a resumed one (PSK, RFC 8446 section 2.2) carries none. So the
 * count is the same fact for every implementation, whichever way it caches sessions.
 */
public final class Fixture {
  /** Every TLS row runs TLS 1.3. */
  public static final String PROTOCOL = "TLSv1.3";

  /** AES-128-GCM: the suite every peer can do in hardware. */
  public static final String SUITE = "TLS_AES_128_GCM_SHA256";

  /** The key-exchange group, JDK spelling (BoringSSL: X25519). */
  public static final String GROUP = "x25519";

  /** The name in the server certificate and the one clients verify. */
  public static final String HOST = "localhost";

  static {
    // The JDK 17 provider has no per-engine setter for groups (SSLParameters.setNamedGroups is
    // JDK 20+), only this property, read once when the JSSE classes initialise. Forked runs
    // also pass it with -D; in-process runs (-f 0, the smoke test) rely on this line running
    // before any TLS code, which holds because every peer starts from Fixture.create().
    if (System.getProperty("jdk.tls.namedGroups") == null) {
      System.setProperty("jdk.tls.namedGroups", GROUP);
    }
  }

  private final TestPki.Identity server;
  private final TrustManager[] trust;
  private final AtomicLong certificateChecks = new AtomicLong();

  private Fixture(TestPki.Identity server, TrustManager[] trust) {
    this.server = server;
    this.trust = trust;
  }

  /** A fresh CA and a certificate for {@link #HOST}. */
  public static Fixture create() throws GeneralSecurityException {
    TestPki pki = TestPki.create();
    return new Fixture(pki.issue(HOST), pki.trustManagers());
  }

  /** The server's key and chain. */
  public TestPki.Identity serverIdentity() {
    return server;
  }

  /** A trust manager that trusts only the test CA and counts server certificate checks. */
  public X509ExtendedTrustManager countingTrustManager() {
    return new CountingTrustManager(pkiTrustManager(), certificateChecks);
  }

  /** How many server certificates clients have checked: the number of full handshakes. */
  public long fullHandshakes() {
    return certificateChecks.get();
  }

  /** A JDK server context presenting the test certificate. */
  public SSLContext jdkServerContext() throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance(PROTOCOL);
    ctx.init(server.keyManagers(), null, null);
    return ctx;
  }

  /** A JDK client context trusting only the test CA, counting full handshakes. */
  public SSLContext jdkClientContext() throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance(PROTOCOL);
    ctx.init(null, new TrustManager[] {countingTrustManager()}, null);
    return ctx;
  }

  /** Pins protocol and suite on {@code p}; clients also check the host name. */
  public static SSLParameters pin(SSLParameters p, boolean client) {
    p.setProtocols(new String[] {PROTOCOL});
    p.setCipherSuites(new String[] {SUITE});
    if (client) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return p;
  }

  /** A JDK engine with {@link #pin} applied. */
  public static SSLEngine pinnedEngine(SSLContext ctx, boolean client, int port) {
    SSLEngine e = client ? ctx.createSSLEngine(HOST, port) : ctx.createSSLEngine();
    e.setUseClientMode(client);
    e.setSSLParameters(pin(e.getSSLParameters(), client));
    return e;
  }

  /**
   * What {@code session} negotiated, as one line; fails unless it is {@link #PROTOCOL} and {@link
   * #SUITE} (a row that silently ran something else would not mean what it says).
   */
  public static String negotiated(SSLSession session, String group) {
    String line = session.getProtocol() + " " + session.getCipherSuite() + " group " + group;
    if (!PROTOCOL.equals(session.getProtocol()) || !SUITE.equals(session.getCipherSuite())) {
      throw new IllegalStateException("negotiated " + line + ", wanted " + PROTOCOL + " " + SUITE);
    }
    return line;
  }

  /** The loopback address of a server on {@code port}. */
  public static InetSocketAddress loopback(int port) {
    return new InetSocketAddress("127.0.0.1", port);
  }

  private X509ExtendedTrustManager pkiTrustManager() {
    for (TrustManager t : trust) {
      if (t instanceof X509ExtendedTrustManager) {
        return (X509ExtendedTrustManager) t;
      }
    }
    throw new IllegalStateException("no X509ExtendedTrustManager in the test PKI");
  }
}
