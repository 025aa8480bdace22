package dev.tlsloop;

import dev.tlsloop.internal.HelloRejected;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Immutable settings shared by many connections: the {@link SSLContext} (reuse it: it holds the
 * session cache and ticket keys), the role, and the safety options. Secure by default: a client
 * verifies the chain against the default trust store, checks the host name ("HTTPS" endpoint
 * identification) and sends SNI; only TLS 1.3 and 1.2 are enabled.
 *
 * <pre>{@code
 * TlsConfig client = TlsConfig.client("example.com", 443).build();
 * TlsConfig server = TlsConfig.server(keyStore, password).build();
 * TlsConnection conn = client.newConnection(socketChannel);
 * }</pre>
 */
public final class TlsConfig {
  /** The protocols this library speaks; anything older is refused. */
  public static final List<String> SUPPORTED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** Whether a server asks for a client certificate. */
  public enum ClientAuth {
    /** No certificate request. */
    NONE,
    /** Requested; the handshake goes on without one. */
    WANT,
    /** Required; the handshake fails without a trusted one. */
    NEED
  }

  /**
   * The peer port a client engine gets when resumption is off. The JDK's client session cache
   * stores and finds sessions only under host:port, and never under port -1
   * (SSLSessionContextImpl.put/get), so such an engine offers no session id, no TLS 1.2 ticket and
   * no TLS 1.3 PSK; the host still reaches the host-name check.
   */
  private static final int NO_RESUMPTION_PORT = -1;

  private final SSLContext context;
  private final boolean client;
  private final String host;
  private final int port;
  private final boolean verifyHostname;
  private final boolean sni;
  private final String[] protocols;
  private final String[] cipherSuites;
  private final String[] alpn;
  private final AlpnSelector alpnSelector;
  private final boolean alpnStrict;
  private final ClientAuth clientAuth;
  private final BufferAllocator allocator;
  private final boolean releaseBuffersWhenIdle;
  private final Executor taskExecutor;
  private final TlsListener listener;
  private final Duration handshakeTimeout;
  private final Duration idleTimeout;
  private final Duration closeTimeout;
  private final int maxRecordsWithoutData;
  private final TlsEngineFactory engineFactory;
  private final RenegotiationPolicy renegotiation;

  /** Default {@link Builder#maxRecordsWithoutData}: 64. */
  public static final int DEFAULT_MAX_RECORDS_WITHOUT_DATA = 64;

  /** Default {@link Builder#handshakeTimeout}: 10 seconds (Netty's default too). */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@link Builder#idleTimeout} of a server: 5 minutes. Clients have none by default. */
  public static final Duration DEFAULT_SERVER_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** Default {@link Builder#closeTimeout}: 5 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final IpLiteral ipLiteral;
  private final boolean sessionResumption;

  /** Server-name routes (null: none); see {@link Builder#serverName(String, SSLContext)}. */
  private final ServerNameRouting routing;

  /** Whether a server reads the ClientHello's server name before it makes the engine. */
  private final boolean sniffServerName;

  private final boolean strictServerNames;

  private TlsConfig(Builder b) throws GeneralSecurityException {
    this.client = b.client;
    this.host = b.host;
    this.port = b.port;
    this.verifyHostname = b.verifyHostname;
    this.sni = b.sni;
    this.protocols = b.protocols.toArray(new String[0]);
    this.cipherSuites = b.cipherSuites == null ? null : b.cipherSuites.toArray(new String[0]);
    this.alpn = b.alpn.toArray(new String[0]);
    this.alpnSelector = b.alpnSelector;
    this.alpnStrict = b.alpnStrict;
    this.clientAuth = b.clientAuth;
    this.allocator = b.allocator;
    this.releaseBuffersWhenIdle = b.releaseBuffersWhenIdle;
    this.taskExecutor = b.taskExecutor;
    this.listener = b.listener;
    this.handshakeTimeout = b.handshakeTimeout;
    this.idleTimeout =
        b.idleTimeout != null
            ? b.idleTimeout
            : b.client ? Duration.ZERO : DEFAULT_SERVER_IDLE_TIMEOUT;
    this.closeTimeout = b.closeTimeout;
    this.maxRecordsWithoutData = b.maxRecordsWithoutData;
    this.engineFactory = b.engineFactoryOrRotation();
    this.renegotiation =
        b.renegotiation != null
            ? b.renegotiation
            : b.client ? RenegotiationPolicy.allow() : RenegotiationPolicy.refuse();
    this.ipLiteral = client ? IpLiteral.parse(host) : null;
    this.sessionResumption = b.sessionResumption;
    this.context = b.context != null ? b.context : b.buildContext();
    SSLContext main = this.context;
    this.routing =
        b.serverNames.isEmpty()
            ? null
            : new ServerNameRouting(
                b.serverNames,
                engineFactory != null ? engineFactory : (h, p, n) -> main.createSSLEngine());
    this.sniffServerName = routing != null || b.sniffServerName;
    this.strictServerNames = b.strictServerNames;
  }

  /** A copy of {@code base} for an event loop (see {@link #forEventLoop}). */
  private TlsConfig(TlsConfig base, Executor taskExecutor) {
    this.context = base.context;
    this.client = base.client;
    this.host = base.host;
    this.port = base.port;
    this.verifyHostname = base.verifyHostname;
    this.sni = base.sni;
    this.protocols = base.protocols;
    this.cipherSuites = base.cipherSuites;
    this.alpn = base.alpn;
    this.alpnSelector = base.alpnSelector;
    this.alpnStrict = base.alpnStrict;
    this.clientAuth = base.clientAuth;
    this.allocator = base.allocator;
    this.releaseBuffersWhenIdle = true;
    this.taskExecutor = base.taskExecutor != null ? base.taskExecutor : taskExecutor;
    this.listener = base.listener;
    this.handshakeTimeout = base.handshakeTimeout;
    this.idleTimeout = base.idleTimeout;
    this.closeTimeout = base.closeTimeout;
    this.maxRecordsWithoutData = base.maxRecordsWithoutData;
    this.engineFactory = base.engineFactory;
    this.renegotiation = base.renegotiation;
    this.ipLiteral = base.ipLiteral;
    this.sessionResumption = base.sessionResumption;
    this.routing = base.routing;
    this.sniffServerName = base.sniffServerName;
    this.strictServerNames = base.strictServerNames;
  }

  /**
   * This config as an event loop with many connections wants it: empty buffers are given back after
   * each call (an idle connection holds none), and delegated tasks run on {@code taskExecutor}
   * unless this config names its own executor. Everything else, the {@link SSLContext} included, is
   * shared with this config.
   */
  public TlsConfig forEventLoop(Executor taskExecutor) {
    return new TlsConfig(this, Objects.requireNonNull(taskExecutor, "taskExecutor"));
  }

  /**
   * A client for {@code host:port}: default trust store, host-name check and SNI on. {@code host}
   * is a DNS name or an IP literal: a dotted quad, or IPv6 (compressed, IPv4-mapped, in brackets,
   * with a {@code %zone}). A literal gets no SNI and must match an iPAddress SAN of the
   * certificate; it is recognised from the text alone, no DNS lookup is ever made here.
   *
   * @throws IllegalArgumentException for a host that is neither (such as {@code 010.0.0.1}, {@code
   *     1.2.3} or {@code [::1}): other software would read it as some other address
   */
  public static Builder client(String host, int port) {
    Builder b = new Builder(true);
    b.host = Objects.requireNonNull(host, "host");
    if (IpLiteral.refusedAsHostName(host)) {
      throw new IllegalArgumentException(
          "host "
              + host
              + " is neither an IP literal (a dotted quad of 0-255 without leading zeros, or"
              + " IPv6) nor a DNS name");
    }
    b.port = port;
    return b;
  }

  /** A server presenting the key and chain found in {@code keyStore}. */
  public static Builder server(KeyStore keyStore, char[] password) {
    Builder b = new Builder(false);
    b.keyStore = Objects.requireNonNull(keyStore, "keyStore");
    b.keyPassword = password.clone();
    return b;
  }

  /**
   * A server over an {@link SSLContext} you built yourself (a client: {@code
   * client(..).sslContext(..)}).
   */
  public static Builder server(SSLContext context) {
    Builder b = new Builder(false);
    b.context = Objects.requireNonNull(context, "context");
    return b;
  }

  /**
   * A server whose context, and with it the certificate, can be replaced while it runs: see {@link
   * RotatingContext}.
   */
  public static Builder server(RotatingContext contexts) {
    return new Builder(false).sslContext(contexts);
  }

  /** A non-blocking connection over a {@link ByteChannel} such as a {@code SocketChannel}. */
  public TlsConnection newConnection(ByteChannel transport) {
    return new TlsConnection(this, transport, transport, null);
  }

  /**
   * A connection over any readable and writable channel, starting with {@code preRead}: bytes the
   * caller already read from it (STARTTLS, protocol sniffing, SNI peeking). May be null.
   */
  public <C extends ReadableByteChannel & WritableByteChannel> TlsConnection newConnection(
      C transport, ByteBuffer preRead) {
    return new TlsConnection(this, transport, transport, preRead);
  }

  /** A blocking {@link TlsChannel} over {@code transport}. */
  public TlsChannel newChannel(ByteChannel transport) {
    ReadGate gate = new ReadGate(transport);
    return new TlsChannel(
        new TlsConnection(this, gate, transport, null), transport, gate, closeTimeout);
  }

  /**
   * The context every connection of this config is made from; with a {@link RotatingContext}, the
   * one new connections are made from now.
   */
  public SSLContext context() {
    return engineFactory instanceof RotatingContext
        ? ((RotatingContext) engineFactory).get()
        : context;
  }

  /** Whether connections are clients. */
  public boolean isClient() {
    return client;
  }

  /** Whether a server makes its engines only once the ClientHello named the server. */
  boolean sniffsServerName() {
    return sniffServerName;
  }

  /**
   * The engine of a server that sniffed the ClientHello: {@code serverName} (lower case, null when
   * the client sent none) goes to the engine factory. With strict routing a name no route knows is
   * refused with unrecognized_name (RFC 6066 section 3); a hello without a name gets the default.
   */
  SSLEngine createServerEngine(String serverName) throws HelloRejected {
    if (strictServerNames && serverName != null && routing.route(serverName) == null) {
      throw new HelloRejected(
          HelloRejected.UNRECOGNIZED_NAME,
          "no route for server name "
              + serverName
              + " (TlsConfig.Builder.strictServerNames; RFC 6066 section 3)");
    }
    return createEngine(serverName);
  }

  /** Creates and configures the engine for one connection. */
  SSLEngine createEngine() {
    return createEngine(null);
  }

  /** Creates and configures an engine; a server's factory gets {@code sniffedName}. */
  private SSLEngine createEngine(String sniffedName) {
    SSLEngine engine;
    SSLParameters p;
    if (client) {
      // host/port name the session-cache entry; SNI and identification are set explicitly below.
      // A literal goes in canonical form (no brackets, no zone): the JDK matches it against the
      // iPAddress SANs.
      String peer = ipLiteral != null ? ipLiteral.canonical() : host;
      int peerPort = sessionResumption ? port : NO_RESUMPTION_PORT;
      engine =
          engineFactory != null
              ? engineFactory.create(peer, peerPort, ipLiteral == null && sni ? host : null)
              : context.createSSLEngine(peer, peerPort);
      engine.setUseClientMode(true);
      p = engine.getSSLParameters();
      p.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
      List<SNIServerName> names = new ArrayList<>();
      if (sni && ipLiteral == null) {
        names.add(new SNIHostName(host)); // RFC 6066 section 3: no IP literals in SNI
      }
      p.setServerNames(names);
    } else {
      TlsEngineFactory f = routing != null ? routing : engineFactory;
      engine = f != null ? f.create(null, -1, sniffedName) : context.createSSLEngine();
      engine.setUseClientMode(false);
      p = engine.getSSLParameters();
      p.setNeedClientAuth(clientAuth == ClientAuth.NEED);
      if (clientAuth == ClientAuth.WANT) {
        p.setWantClientAuth(true);
      }
    }
    applyCommon(engine, p);
    return engine;
  }

  /** What clients and servers configure alike: protocols, suites, ALPN. */
  private void applyCommon(SSLEngine engine, SSLParameters p) {
    p.setProtocols(protocols);
    if (cipherSuites != null) {
      p.setCipherSuites(cipherSuites);
    }
    if (alpn.length > 0) {
      p.setApplicationProtocols(alpn);
    }
    engine.setSSLParameters(p);
    if (alpnSelector != null && !client) {
      engine.setHandshakeApplicationProtocolSelector(this::selectAlpn);
    }
  }

  /**
   * The JDK's selector contract (SSLEngine.setHandshakeApplicationProtocolSelector): null makes it
   * fail the handshake with no_application_protocol (RFC 7301 section 3.2), "" goes on without
   * ALPN. An empty offer means the client sent no ALPN extension: nothing to choose.
   */
  private String selectAlpn(SSLEngine engine, List<String> offered) {
    if (offered.isEmpty()) {
      return "";
    }
    String chosen = alpnSelector.select(List.copyOf(offered), requestedServerName(engine));
    if (chosen == null) {
      return alpnStrict ? null : "";
    }
    if (!offered.contains(chosen)) {
      throw new IllegalStateException(
          "ALPN selector chose " + chosen + ", which the client did not offer: " + offered);
    }
    return chosen;
  }

  private static String requestedServerName(SSLEngine engine) {
    SSLSession s = engine.getHandshakeSession();
    if (s instanceof ExtendedSSLSession) {
      for (SNIServerName n : ((ExtendedSSLSession) s).getRequestedServerNames()) {
        if (n instanceof SNIHostName) {
          return ((SNIHostName) n).getAsciiName();
        }
      }
    }
    return null;
  }

  BufferAllocator allocator() {
    return allocator;
  }

  boolean releaseBuffersWhenIdle() {
    return releaseBuffersWhenIdle;
  }

  Executor taskExecutor() {
    return taskExecutor;
  }

  TlsListener listener() {
    return listener;
  }

  /** A connection's deadlines, starting now. */
  Deadlines newDeadlines() {
    return new Deadlines(
        handshakeTimeout.toNanos(),
        idleTimeout.toNanos(),
        closeTimeout.toNanos(),
        System.nanoTime());
  }

  /** The handshake timeout of every connection (0 = none). */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /** The idle timeout of every connection (0 = none). */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** The close timeout of every connection (0 = none). */
  public Duration closeTimeout() {
    return closeTimeout;
  }

  int maxRecordsWithoutData() {
    return maxRecordsWithoutData;
  }

  /** Which TLS 1.2 renegotiations started by the peer are accepted. */
  public RenegotiationPolicy renegotiation() {
    return renegotiation;
  }

  /** Builds a {@link TlsConfig}. Every option has a safe default. */
  public static final class Builder {
    private final boolean client;
    private String host;
    private int port;
    private SSLContext context;
    private KeyStore keyStore;
    private char[] keyPassword;
    private KeyStore trustStore;
    private TrustManager[] trustManagers;
    private KeyManager[] keyManagers;
    private boolean verifyHostname = true;
    private boolean sni = true;
    private List<String> protocols = SUPPORTED_PROTOCOLS;
    private List<String> cipherSuites;
    private List<String> alpn = List.of();
    private AlpnSelector alpnSelector;
    private boolean alpnStrict;
    private ClientAuth clientAuth = ClientAuth.NONE;
    private BufferAllocator allocator = BufferAllocator.HEAP;
    private boolean releaseBuffersWhenIdle;
    private Executor taskExecutor;
    private TlsListener listener;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private Duration idleTimeout;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int maxRecordsWithoutData = DEFAULT_MAX_RECORDS_WITHOUT_DATA;
    private TlsEngineFactory engineFactory;
    private RenegotiationPolicy renegotiation;

    private Builder(boolean client) {
      this.client = client;
    }

    /** Uses this context as is (its trust and keys); the other trust/key options are ignored. */
    public Builder sslContext(SSLContext context) {
      this.context = Objects.requireNonNull(context, "context");
      return this;
    }

    /** Trusts exactly the certificates in {@code trustStore} instead of the JDK default. */
    public Builder trust(KeyStore trustStore) {
      this.trustStore = Objects.requireNonNull(trustStore, "trustStore");
      return this;
    }

    /** Uses these trust managers instead of the JDK default. */
    public Builder trustManagers(TrustManager... trustManagers) {
      this.trustManagers = trustManagers.clone();
      return this;
    }

    /** Presents a certificate from {@code keyStore} (client side: mutual TLS). */
    public Builder keyStore(KeyStore keyStore, char[] password) {
      this.keyStore = Objects.requireNonNull(keyStore, "keyStore");
      this.keyPassword = password.clone();
      return this;
    }

    /** Uses these key managers. */
    public Builder keyManagers(KeyManager... keyManagers) {
      this.keyManagers = keyManagers.clone();
      return this;
    }

    /**
     * Explicit opt-out: accept any certificate chain. Only for tests and debugging; the peer is
     * then unauthenticated and anyone on the path can read the traffic.
     */
    public Builder insecureTrustAnyCertificate() {
      this.trustManagers = new TrustManager[] {new TrustAnything()};
      this.verifyHostname = false;
      return this;
    }

    /** Explicit opt-out of the host-name check (the chain is still verified). */
    public Builder insecureSkipHostnameVerification() {
      this.verifyHostname = false;
      return this;
    }

    /** Whether the client sends SNI (default true; never sent for an IP literal). */
    public Builder sni(boolean sendSni) {
      this.sni = sendSni;
      return this;
    }

    /** Enables only these protocols, a subset of {@link #SUPPORTED_PROTOCOLS}. */
    public Builder protocols(String... names) {
      for (String n : names) {
        if (!SUPPORTED_PROTOCOLS.contains(n)) {
          throw new IllegalArgumentException(
              "protocol " + n + " is not supported; use TLSv1.3 and/or TLSv1.2");
        }
      }
      if (names.length == 0) {
        throw new IllegalArgumentException("no protocol given");
      }
      this.protocols = List.of(names);
      return this;
    }

    /** Enables only these cipher suites (JSSE names). */
    public Builder cipherSuites(String... names) {
      this.cipherSuites = List.of(names);
      return this;
    }

    /** ALPN protocols offered (client) or accepted in preference order (server). */
    public Builder alpn(String... protocolNames) {
      this.alpn = List.of(protocolNames);
      return this;
    }

    /**
     * A server chooses its application protocol with {@code selector}, from the client's offer and
     * the server name it asked for, instead of a fixed {@link #alpn} list. When the selector
     * returns null: with {@code strict}, the handshake fails with a fatal no_application_protocol
     * alert (RFC 7301 section 3.2); without, it goes on with no application protocol. A client that
     * offers nothing is not asked about.
     */
    public Builder alpnSelector(AlpnSelector selector, boolean strict) {
      this.alpnSelector = Objects.requireNonNull(selector, "selector");
      this.alpnStrict = strict;
      return this;
    }

    /** Whether a server requests a client certificate. */
    public Builder clientAuth(ClientAuth mode) {
      this.clientAuth = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Where buffers come from (heap by default). */
    public Builder allocator(BufferAllocator allocator) {
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /** Give empty buffers back after each call, so idle connections hold none (default off). */
    public Builder releaseBuffersWhenIdle(boolean release) {
      this.releaseBuffersWhenIdle = release;
      return this;
    }

    /**
     * Runs the engine's delegated tasks (certificate checks, key generation) on {@code executor}
     * instead of inline; connections then report {@link TlsNeed#TASK} meanwhile.
     */
    public Builder taskExecutor(Executor executor) {
      this.taskExecutor = executor;
      return this;
    }

    /** A listener every connection of this config starts with. */
    public Builder listener(TlsListener listener) {
      this.listener = listener;
      return this;
    }

    /**
     * How long the handshake may take, counted from the connection's creation (default {@link
     * #DEFAULT_HANDSHAKE_TIMEOUT}, 10 s; {@link Duration#ZERO} for none). Bounds peers that connect
     * and send nothing or drip their hello.
     */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = nonNegative(timeout, "handshakeTimeout");
      return this;
    }

    /**
     * How long an open connection may move no byte either way on its transport (servers: {@link
     * #DEFAULT_SERVER_IDLE_TIMEOUT}, 5 min; clients: none; {@link Duration#ZERO} for none). Bounds
     * peers that stop halfway through a record.
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = nonNegative(timeout, "idleTimeout");
      return this;
    }

    /**
     * How long the closure may take once we sent close_notify: the peer's close_notify must arrive
     * (and ours be written) within it (default {@link #DEFAULT_CLOSE_TIMEOUT}, 5 s; {@link
     * Duration#ZERO} for none).
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = nonNegative(timeout, "closeTimeout");
      return this;
    }

    /**
     * How many records without application data (empty records, warning alerts, KeyUpdates,
     * renegotiation flights) the peer may send after the handshake beyond one per data record
     * exchanged either way, before the connection fails (default {@link
     * #DEFAULT_MAX_RECORDS_WITHOUT_DATA}, 64). Bounds a peer that keeps us busy without data: such
     * records stay proportional to the data.
     */
    public Builder maxRecordsWithoutData(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxRecordsWithoutData must be positive: " + n);
      }
      this.maxRecordsWithoutData = n;
      return this;
    }

    /**
     * Which TLS 1.2 renegotiations started by the peer each connection accepts; a refused one fails
     * the connection. Default: {@link RenegotiationPolicy#refuse()} on a server, {@link
     * RenegotiationPolicy#allow()} on a client (the server asks). Per connection, unlike the JDK's
     * JVM-wide {@code jdk.tls.rejectClientInitiatedRenegotiation}.
     */
    public Builder renegotiation(RenegotiationPolicy policy) {
      this.renegotiation = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Takes engines from {@code factory} instead of the config's {@link SSLContext} (which then
     * only serves {@link TlsConfig#context()}): for an engine of another provider, such as
     * BoringSSL through Conscrypt. The config's settings are applied to each engine as usual.
     */
    public Builder engineFactory(TlsEngineFactory factory) {
      this.engineFactory = Objects.requireNonNull(factory, "factory");
      return this;
    }

    private static Duration nonNegative(Duration d, String what) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative: " + d);
      }
      return d;
    }

    // ---- Server-name routing (SNI sniffing). ----

    private final Map<String, TlsEngineFactory> serverNames = new LinkedHashMap<>();
    private boolean sniffServerName;
    private boolean strictServerNames;

    /**
     * Presents {@code context}'s certificate to clients whose ClientHello asks for {@code name}
     * with SNI (RFC 6066 section 3): an exact host name, or {@code *.example.com} for any one label
     * in its place ({@code a.example.com}, not {@code example.com} nor {@code a.b.example.com}); an
     * exact name wins over a wildcard. Case-insensitive. Other names, and clients that send none,
     * get the config's own context (or {@link #engineFactory}, or {@link
     * #sslContext(RotatingContext)}). The connection reads the ClientHello before it makes the
     * engine (see {@link TlsConnection#engine()}); the config's settings apply to every engine,
     * while keys, and trust for client certificates, come from the context chosen. A ClientHello
     * that is not one, is malformed, or spans more than 64 KiB of records fails the connection with
     * an {@link javax.net.ssl.SSLProtocolException} after the fatal alert that says why (NOTES.md
     * section 14).
     *
     * @throws IllegalArgumentException for a name with {@code *} elsewhere than as the whole first
     *     label, or with empty labels
     */
    public Builder serverName(String name, SSLContext context) {
      Objects.requireNonNull(context, "context");
      return serverName(name, (h, p, n) -> context.createSSLEngine());
    }

    /**
     * Like {@link #serverName(String, SSLContext)} with engines from {@code engines}, for instance
     * a {@link RotatingContext} so that this name's certificate can be rotated on its own. The
     * factory receives the sniffed name as its {@code serverName}.
     */
    public Builder serverName(String name, TlsEngineFactory engines) {
      serverNames.put(
          ServerNameRouting.normalize(name), Objects.requireNonNull(engines, "engines"));
      return this;
    }

    /**
     * Whether a name that no {@link #serverName} route knows fails the connection with the fatal
     * alert unrecognized_name (RFC 6066 section 3) instead of getting the default context (default
     * false). A ClientHello without SNI still gets the default. Needs at least one route.
     */
    public Builder strictServerNames(boolean strict) {
      this.strictServerNames = strict;
      return this;
    }

    /**
     * Whether a server reads the ClientHello before it makes the engine, so that the engine factory
     * ({@link #engineFactory}) receives the server name the client asked for as its {@code
     * serverName} (lower case; null when it sent none). Routes ({@link #serverName}) turn this on
     * by themselves.
     */
    public Builder sniffServerName(boolean sniff) {
      this.sniffServerName = sniff;
      return this;
    }

    private void checkServerNameOptions() {
      if (client && (!serverNames.isEmpty() || sniffServerName || strictServerNames)) {
        throw new IllegalStateException(
            "serverName(...), sniffServerName and strictServerNames are server options");
      }
      if (strictServerNames && serverNames.isEmpty()) {
        throw new IllegalStateException("strictServerNames(true) needs serverName(...) routes");
      }
    }

    // ---- Certificate rotation. ----

    private RotatingContext rotatingContext;

    /**
     * Makes each connection's engine from the context {@code contexts} holds when the connection is
     * created (see {@link RotatingContext}): {@link RotatingContext#set} swaps the certificate for
     * later connections and leaves open ones as they are. Like {@link #sslContext(SSLContext)}, the
     * other trust and key options are then ignored, and session and revocation options refused
     * (they belong to each context). A rotating context is itself the config's {@link
     * TlsEngineFactory}: it cannot be combined with {@link #engineFactory}, whose engines would not
     * rotate; a factory of your own can read {@link RotatingContext#get()} instead.
     */
    public Builder sslContext(RotatingContext contexts) {
      this.rotatingContext = Objects.requireNonNull(contexts, "contexts");
      this.context = contexts.get(); // a context the config did not build: see the checks below
      return this;
    }

    private TlsEngineFactory engineFactoryOrRotation() {
      if (rotatingContext == null) {
        return engineFactory;
      }
      if (engineFactory != null && engineFactory != rotatingContext) {
        throw new IllegalStateException(
            "engineFactory(...) and a RotatingContext both make engines: use one");
      }
      return rotatingContext;
    }

    // ---- Sessions and revocation (client-side TLS options). ----

    private boolean sessionResumption = true;
    private int sessionCacheSize; // 0: not set, the context keeps the JDK's value
    private Duration sessionTimeout;
    private boolean revocationChecking;

    /**
     * Whether a client resumes sessions (default true, as the JDK does): a second connection of
     * this config to the same host and port offers the first one's session (TLS 1.2 session id or
     * ticket, TLS 1.3 PSK) and, if the server accepts, skips the certificate exchange. With {@code
     * false} every handshake is a full one: the engine is created with port -1, so the JDK's client
     * session cache, keyed by host:port, neither finds nor stores a session for it (JVM-wide
     * properties such as {@code jdk.tls.client.enableSessionTicketExtension} are not used). A
     * server resumes whenever the JDK does: on a server config, {@link #build} refuses {@code
     * false}.
     */
    public Builder sessionResumption(boolean resume) {
      this.sessionResumption = resume;
      return this;
    }

    /**
     * How many sessions the context caches (default: the JDK's, 20480 on JDK 17 and 25, or the
     * {@code javax.net.ssl.sessionCacheSize} system property). Applies to the client session cache
     * of a client config, the server one of a server config. Setting it gives the config a private
     * {@link SSLContext} (see {@link #sessionTimeout}). To cache nothing, use {@link
     * #sessionResumption(boolean) sessionResumption(false)}.
     *
     * @throws IllegalArgumentException if {@code size < 1} (the JDK reads 0 as "no limit")
     */
    public Builder sessionCacheSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException(
            "session cache size must be at least 1, was " + size + " (0 would mean no limit)");
      }
      this.sessionCacheSize = size;
      return this;
    }

    /**
     * How long a cached session may be resumed (default: the JDK's 24 hours, 86400 s on JDK 17 and
     * 25), in whole seconds (a fraction is dropped).
     *
     * <p>Cache size and lifetime belong to an {@link SSLContext}, and the default client context
     * ({@code SSLContext.getDefault()}, used by a client with default trust and no key) is shared
     * by the whole JVM: when either is set, the config builds a private context with the same
     * default trust instead, whose cache only this config's connections share. Reuse the config to
     * resume.
     *
     * @throws IllegalArgumentException unless between 1 second and {@code Integer.MAX_VALUE}
     *     seconds (the JDK reads 0 as "no limit")
     */
    public Builder sessionTimeout(Duration timeout) {
      long seconds = timeout.getSeconds();
      if (seconds < 1 || seconds > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "session timeout must be between 1 s and " + Integer.MAX_VALUE + " s, was " + timeout);
      }
      this.sessionTimeout = timeout;
      return this;
    }

    /**
     * Whether a client checks that no certificate of the server's chain is revoked (default false,
     * as in the JDK). When on, the chain is validated with a PKIX revocation checker: OCSP first (a
     * response the server staples, else the responder named in the certificate's Authority
     * Information Access), CRLs from its distribution points as fallback, independent of the
     * JVM-wide {@code ocsp.enable} and {@code com.sun.security.enableCRLDP}. It fails hard: a
     * certificate whose status cannot be learned (no responder, no CRL, none reachable) fails the
     * handshake; for one that names neither, the JDK reports "Certificate does not specify OCSP
     * responder", with the CRL fallback's "Could not determine revocation status" attached as
     * suppressed. The trust anchors are the {@link #trust(KeyStore) trust store}, else the JDK
     * default ones. Cannot be combined with {@link #trustManagers}, {@link
     * #insecureTrustAnyCertificate} or {@link #sslContext}: the check lives in the trust manager.
     *
     * <p>Server-side OCSP stapling (RFC 6066 section 8, RFC 6961) is the JDK's and JVM-wide: start
     * the server JVM with {@code -Djdk.tls.server.enableStatusRequestExtension=true}; the JDK then
     * fetches responses from the responder in its certificate (or {@code
     * jdk.tls.stapling.responderURI}), caches them and staples them for clients that ask, which JDK
     * clients do by default ({@code jdk.tls.client.enableStatusRequestExtension}).
     */
    public Builder revocationChecking(boolean check) {
      this.revocationChecking = check;
      return this;
    }

    private void checkSessionAndRevocationOptions() {
      boolean sessionSettings = sessionCacheSize > 0 || sessionTimeout != null;
      if (!client && (!sessionResumption || revocationChecking)) {
        throw new IllegalStateException(
            "sessionResumption(false) and revocationChecking(true) are client options");
      }
      if (context != null && (sessionSettings || revocationChecking)) {
        throw new IllegalStateException(
            "with sslContext(...), set session cache and revocation on that context;"
                + " the config does not change a context it did not build");
      }
      if (revocationChecking && trustManagers != null) {
        throw new IllegalStateException(
            "revocationChecking(true) needs the config's own trust manager:"
                + " use trust(KeyStore) or the default trust, not trustManagers(...)");
      }
    }

    private boolean needsPrivateContext() {
      return sessionCacheSize > 0 || sessionTimeout != null || revocationChecking;
    }

    private void applySessionSettings(SSLContext ctx) {
      SSLSessionContext sessions =
          client ? ctx.getClientSessionContext() : ctx.getServerSessionContext();
      if (sessionCacheSize > 0) {
        sessions.setSessionCacheSize(sessionCacheSize);
      }
      if (sessionTimeout != null) {
        sessions.setSessionTimeout((int) sessionTimeout.getSeconds());
      }
    }

    /** Builds the config. */
    public TlsConfig build() throws GeneralSecurityException {
      checkSessionAndRevocationOptions();
      checkServerNameOptions();
      return new TlsConfig(this);
    }

    private SSLContext buildContext() throws GeneralSecurityException {
      KeyManager[] km = keyManagers;
      if (km == null && keyStore != null) {
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, keyPassword);
        km = kmf.getKeyManagers();
      }
      TrustManager[] tm = trustManagers;
      if (tm == null && revocationChecking) {
        tm = RevocationTrust.trustManagers(trustStore);
      } else if (tm == null && trustStore != null) {
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        tm = tmf.getTrustManagers();
      }
      if (km == null && tm == null && client && !needsPrivateContext()) {
        return SSLContext.getDefault();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(km, tm, null); // null trust managers = the JDK default trust store
      applySessionSettings(ctx);
      return ctx;
    }

    @Override
    public String toString() {
      return (client ? "client " + host + ":" + port : "server")
          + " protocols="
          + protocols
          + " alpn="
          + alpn
          + (cipherSuites == null ? "" : " suites=" + Arrays.toString(cipherSuites.toArray()));
    }
  }

  /** The explicit opt-out behind {@link Builder#insecureTrustAnyCertificate()}. */
  private static final class TrustAnything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
