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
 * <p>A fixture pins one protocol version: TLS 1.3 with {@code TLS_AES_128_GCM_SHA256}, or TLS 1.2
 * with {@code TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256} (the test PKI's keys are EC P-256, so ECDSA
 * is the signature every peer can check; the same AES-128-GCM as the TLS 1.3 rows, so the two
 * versions differ in record framing and nonce handling, not in cipher).
 *
 * <p>Full handshakes are counted on the client by the trust manager: a full TLS 1.3 handshake
 * checks the server's certificate, a resumed one (PSK, RFC 8446 section 2.2) carries none. So the
 * count is the same fact for every implementation, whichever way it caches sessions.
 */
public final class Fixture {
  /** The TLS 1.3 rows' protocol: the default. */
  public static final String TLS13 = "TLSv1.3";

  /** AES-128-GCM: the TLS 1.3 suite every peer can do in hardware. */
  public static final String TLS13_SUITE = "TLS_AES_128_GCM_SHA256";

  /** The TLS 1.2 rows' protocol. */
  public static final String TLS12 = "TLSv1.2";

  /** AES-128-GCM with ECDHE and the test PKI's ECDSA keys (RFC 5289 section 3.2). */
  public static final String TLS12_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";

  /** The key-exchange group, JDK spelling (BoringSSL: X25519). */
  public static final String GROUP = "x25519";

  /**
   * The JDK provider's {@code jdk.tls.namedGroups}: {@link #GROUP} first, then secp256r1. The
   * second is not for key exchange: a TLS 1.2 ECDSA certificate is usable only on a curve the
   * client lists in supported_groups (RFC 8422 section 5.1), and the test PKI's keys are P-256;
   * with x25519 alone the TLS 1.2 rows fail with "no cipher suites in common". TLS 1.3 still agrees
   * on x25519: the JDK client sends a key share for its first group only, which the server takes
   * (RFC 8446 section 4.2.8), and TLS 1.2's ECDHE takes the first of the client's groups that the
   * server supports, again x25519.
   */
  public static final String NAMED_GROUPS = GROUP + ",secp256r1";

  /** What the JDK-provider rows print as their group: what the configuration makes them use. */
  public static final String JDK_GROUP =
      GROUP + " (first of jdk.tls.namedGroups=" + NAMED_GROUPS + ")";

  /** The name in the server certificate and the one clients verify. */
  public static final String HOST = "localhost";

  static {
    // The JDK 17 provider has no per-engine setter for groups (SSLParameters.setNamedGroups is
    // JDK 20+), only this property, read once when the JSSE classes initialise. Forked runs
    // also pass it with -D; in-process runs (-f 0, the smoke test) rely on this line running
    // before any TLS code, which holds because every peer starts from Fixture.create().
    if (System.getProperty("jdk.tls.namedGroups") == null) {
      System.setProperty("jdk.tls.namedGroups", NAMED_GROUPS);
    }
  }

  private final String protocol;
  private final String suite;
  private final TestPki.Identity server;
  private final TrustManager[] trust;
  private final AtomicLong certificateChecks = new AtomicLong();

  private Fixture(String protocol, TestPki.Identity server, TrustManager[] trust) {
    this.protocol = protocol;
    this.suite = TLS12.equals(protocol) ? TLS12_SUITE : TLS13_SUITE;
    this.server = server;
    this.trust = trust;
  }

  /** A fresh CA and a certificate for {@link #HOST}; TLS 1.3. */
  public static Fixture create() throws GeneralSecurityException {
    return create(TLS13);
  }

  /**
   * A fresh CA and a certificate for {@link #HOST}; {@code protocol} is {@link #TLS13} or {@link
   * #TLS12}.
   */
  public static Fixture create(String protocol) throws GeneralSecurityException {
    if (!TLS13.equals(protocol) && !TLS12.equals(protocol)) {
      throw new IllegalArgumentException("protocol must be TLSv1.3 or TLSv1.2: " + protocol);
    }
    TestPki pki = TestPki.create();
    return new Fixture(protocol, pki.issue(HOST), pki.trustManagers());
  }

  /** The one protocol every peer of this fixture enables. */
  public String protocol() {
    return protocol;
  }

  /** The one suite every peer of this fixture enables (Conscrypt on TLS 1.3: see its peer). */
  public String suite() {
    return suite;
  }

  /** Whether this fixture pins TLS 1.3. */
  public boolean tls13() {
    return TLS13.equals(protocol);
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
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(server.keyManagers(), null, null);
    return ctx;
  }

  /** A JDK client context trusting only the test CA, counting full handshakes. */
  public SSLContext jdkClientContext() throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {countingTrustManager()}, null);
    return ctx;
  }

  /** Pins protocol and suite on {@code p}; clients also check the host name. */
  public SSLParameters pin(SSLParameters p, boolean client) {
    p.setProtocols(new String[] {protocol});
    p.setCipherSuites(new String[] {suite});
    if (client) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return p;
  }

  /** A JDK engine with {@link #pin} applied. */
  public SSLEngine pinnedEngine(SSLContext ctx, boolean client, int port) {
    SSLEngine e = client ? ctx.createSSLEngine(HOST, port) : ctx.createSSLEngine();
    e.setUseClientMode(client);
    e.setSSLParameters(pin(e.getSSLParameters(), client));
    return e;
  }

  /**
   * What {@code session} negotiated, as one line; fails unless it is {@link #protocol()} and {@link
   * #suite()} (a row that silently ran something else would not mean what it says).
   */
  public String negotiated(SSLSession session, String group) {
    String line = session.getProtocol() + " " + session.getCipherSuite() + " group " + group;
    if (!protocol.equals(session.getProtocol()) || !suite.equals(session.getCipherSuite())) {
      throw new IllegalStateException("negotiated " + line + ", wanted " + protocol + " " + suite);
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
