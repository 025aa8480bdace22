package dev.tlsloop;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilder;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Trust managers that validate like the JDK default ones and also check revocation. */
final class RevocationTrust {
  private RevocationTrust() {}

  /**
   * PKIX trust managers over {@code trustStore} (null: the JDK default trust anchors) with
   * revocation checking on. The checker is added explicitly rather than only setting {@code
   * setRevocationEnabled(true)}: the JDK's implicit checker follows the JVM-wide {@code
   * ocsp.enable} security property (off by default) and {@code com.sun.security.enableCRLDP} system
   * property (off), so it would only consult CRLs nobody gave it; an explicit {@link
   * PKIXRevocationChecker} uses OCSP with CRL distribution points as fallback. Its default options
   * fail hard: no soft-fail, an unknown status is a failure.
   */
  static TrustManager[] trustManagers(KeyStore trustStore) throws GeneralSecurityException {
    PKIXBuilderParameters params =
        trustStore != null
            ? new PKIXBuilderParameters(trustStore, new X509CertSelector())
            : new PKIXBuilderParameters(defaultAnchors(), new X509CertSelector());
    PKIXRevocationChecker checker =
        (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
    params.addCertPathChecker(checker);
    params.setRevocationEnabled(true);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(new CertPathTrustManagerParameters(params));
    return tmf.getTrustManagers();
  }

  /**
   * The anchors the JDK default trust manager uses (cacerts, or the {@code
   * javax.net.ssl.trustStore} system property), taken from it so that both read the same store the
   * same way.
   */
  private static Set<TrustAnchor> defaultAnchors() throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    Set<TrustAnchor> anchors = new HashSet<>();
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager) {
        for (X509Certificate ca : ((X509TrustManager) tm).getAcceptedIssuers()) {
          anchors.add(new TrustAnchor(ca, null));
        }
      }
    }
    if (anchors.isEmpty()) {
      throw new GeneralSecurityException("the default trust store holds no certificate");
    }
    return anchors;
  }
}
