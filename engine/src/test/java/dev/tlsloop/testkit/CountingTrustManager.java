package dev.tlsloop.testkit;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Delegates everything (host-name check included) and counts the server chains it is asked to
 * verify. A full handshake checks the server's certificate, a resumed one (TLS 1.2 session id or
 * ticket, TLS 1.3 PSK, RFC 8446 section 2.2) carries none: the count tells them apart on JDK 17 and
 * 25 alike (unlike the server's key-manager calls: JDK 25 consults it again when it restores a
 * session from a ticket).
 */
public final class CountingTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager delegate;
  private final AtomicLong serverChecks;

  /** Counts into {@code serverChecks}. */
  public CountingTrustManager(X509ExtendedTrustManager delegate, AtomicLong serverChecks) {
    this.delegate = delegate;
    this.serverChecks = serverChecks;
  }

  /** Server chains checked so far. */
  public long serverChecks() {
    return serverChecks.get();
  }

  /**
   * Conscrypt (BoringSSL) names the TLS 1.3 authentication type "GENERIC"; the JDK's trust manager
   * knows it as "UNKNOWN" (TLS 1.3 has no key-exchange-bound auth type, RFC 8446 section 4.4.2.2)
   * and rejects any name it does not know.
   */
  private static String jdkAuthType(String authType) {
    return "GENERIC".equals(authType) ? "UNKNOWN" : authType;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    serverChecks.incrementAndGet();
    delegate.checkServerTrusted(chain, jdkAuthType(authType), socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    serverChecks.incrementAndGet();
    delegate.checkServerTrusted(chain, jdkAuthType(authType), engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    serverChecks.incrementAndGet();
    delegate.checkServerTrusted(chain, jdkAuthType(authType));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
