package dev.tlsloop;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * An {@link SSLContext} that can be replaced while a config is in use: certificate rotation without
 * a restart. Give it to {@link TlsConfig#server(RotatingContext)} (or {@link
 * TlsConfig.Builder#sslContext(RotatingContext)}); each new connection reads the current context
 * once, when it is created, and keeps the engine made from it: {@link #set} changes what later
 * connections present, never an open one.
 *
 * <pre>{@code
 * RotatingContext contexts = new RotatingContext(contextFor(oldCertificate));
 * TlsConfig server = TlsConfig.server(contexts).build();
 * ...
 * contexts.set(contextFor(renewedCertificate)); // from any thread
 * }</pre>
 *
 * <p>Sessions live in a context (its session cache and TLS 1.3 ticket keys), so a client cannot
 * resume a session of the old context on the new one: its next connection makes a full handshake,
 * and sees the new certificate.
 */
public final class RotatingContext implements TlsEngineFactory {
  private final AtomicReference<SSLContext> current;

  /** Starts with {@code initial}. */
  public RotatingContext(SSLContext initial) {
    this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
  }

  /** The context new connections are made from now. */
  public SSLContext get() {
    return current.get();
  }

  /**
   * Makes connections created from now on use {@code next}; safe from any thread. Returns the
   * context it replaces.
   */
  public SSLContext set(SSLContext next) {
    return current.getAndSet(Objects.requireNonNull(next, "next"));
  }

  /** An engine from the current context: a client's names the peer (its session-cache key). */
  @Override
  public SSLEngine create(String peerHost, int peerPort, String serverName) {
    SSLContext c = current.get();
    return peerHost == null ? c.createSSLEngine() : c.createSSLEngine(peerHost, peerPort);
  }
}
