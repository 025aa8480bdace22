package dev.tlsloop;

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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
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

  private static final Pattern IP_LITERAL =
      Pattern.compile("^[0-9.]+$|^\\[?[0-9a-fA-F:]+(%.*)?]?$");

  private final SSLContext context;
  private final boolean client;
  private final String host;
  private final int port;
  private final boolean verifyHostname;
  private final boolean sni;
  private final String[] protocols;
  private final String[] cipherSuites;
  private final String[] alpn;
  private final ClientAuth clientAuth;
  private final BufferAllocator allocator;
  private final boolean releaseBuffersWhenIdle;
  private final Executor taskExecutor;
  private final TlsListener listener;
  private final Duration handshakeTimeout;
  private final Duration idleTimeout;
  private final Duration closeTimeout;

  /** Default {@link Builder#handshakeTimeout}: 10 seconds (Netty's default too). */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@link Builder#idleTimeout} of a server: 5 minutes. Clients have none by default. */
  public static final Duration DEFAULT_SERVER_IDLE_TIMEOUT = Duration.ofMinutes(5);

  /** Default {@link Builder#closeTimeout}: 5 seconds. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private TlsConfig(Builder b) throws GeneralSecurityException {
    this.client = b.client;
    this.host = b.host;
    this.port = b.port;
    this.verifyHostname = b.verifyHostname;
    this.sni = b.sni;
    this.protocols = b.protocols.toArray(new String[0]);
    this.cipherSuites = b.cipherSuites == null ? null : b.cipherSuites.toArray(new String[0]);
    this.alpn = b.alpn.toArray(new String[0]);
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
    this.context = b.context != null ? b.context : b.buildContext();
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
    this.clientAuth = base.clientAuth;
    this.allocator = base.allocator;
    this.releaseBuffersWhenIdle = true;
    this.taskExecutor = base.taskExecutor != null ? base.taskExecutor : taskExecutor;
    this.listener = base.listener;
    this.handshakeTimeout = base.handshakeTimeout;
    this.idleTimeout = base.idleTimeout;
    this.closeTimeout = base.closeTimeout;
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

  /** A client for {@code host:port}: default trust store, host-name check and SNI on. */
  public static Builder client(String host, int port) {
    Builder b = new Builder(true);
    b.host = Objects.requireNonNull(host, "host");
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

  /** A server (or client) over an {@link SSLContext} you built yourself. */
  public static Builder server(SSLContext context) {
    Builder b = new Builder(false);
    b.context = Objects.requireNonNull(context, "context");
    return b;
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
    return new TlsChannel(newConnection(transport), transport);
  }

  /** The context every connection of this config is made from. */
  public SSLContext context() {
    return context;
  }

  /** Whether connections are clients. */
  public boolean isClient() {
    return client;
  }

  /** Creates and configures the engine for one connection. */
  SSLEngine createEngine() {
    SSLEngine engine;
    SSLParameters p;
    if (client) {
      // host/port name the session-cache entry; SNI and identification are set explicitly below.
      engine = context.createSSLEngine(host, port);
      engine.setUseClientMode(true);
      p = engine.getSSLParameters();
      p.setEndpointIdentificationAlgorithm(verifyHostname ? "HTTPS" : null);
      List<SNIServerName> names = new ArrayList<>();
      if (sni && !IP_LITERAL.matcher(host).matches()) {
        names.add(new SNIHostName(host)); // RFC 6066 section 3: no IP literals in SNI
      }
      p.setServerNames(names);
    } else {
      engine = context.createSSLEngine();
      engine.setUseClientMode(false);
      p = engine.getSSLParameters();
      p.setNeedClientAuth(clientAuth == ClientAuth.NEED);
      if (clientAuth == ClientAuth.WANT) {
        p.setWantClientAuth(true);
      }
    }
    p.setProtocols(protocols);
    if (cipherSuites != null) {
      p.setCipherSuites(cipherSuites);
    }
    if (alpn.length > 0) {
      p.setApplicationProtocols(alpn);
    }
    engine.setSSLParameters(p);
    return engine;
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
    private ClientAuth clientAuth = ClientAuth.NONE;
    private BufferAllocator allocator = BufferAllocator.HEAP;
    private boolean releaseBuffersWhenIdle;
    private Executor taskExecutor;
    private TlsListener listener;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private Duration idleTimeout;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;

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

    private static Duration nonNegative(Duration d, String what) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative: " + d);
      }
      return d;
    }

    /** Builds the config. */
    public TlsConfig build() throws GeneralSecurityException {
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
      if (tm == null && trustStore != null) {
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        tm = tmf.getTrustManagers();
      }
      if (km == null && tm == null && client) {
        return SSLContext.getDefault();
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(km, tm, null); // null trust managers = the JDK default trust store
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
