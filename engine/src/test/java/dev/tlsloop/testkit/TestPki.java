package dev.tlsloop.testkit;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away certificate authority made at run time, so that no key or certificate that could
 * expire is ever committed. EC P-256 keys: fast to generate and accepted by every TLS 1.2/1.3 peer.
 */
public final class TestPki {
  /** Password of every key store this class makes. */
  public static final char[] PASSWORD = "changeit".toCharArray();

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair caKeys;
  private final X509Certificate caCert;

  private TestPki(String name) throws GeneralSecurityException {
    this.caKeys = newKeyPair();
    Instant now = Instant.now();
    X500Name dn = new X500Name("CN=" + name + ",O=tlsloop test");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  dn,
                  nextSerial(),
                  Date.from(now.minus(Duration.ofHours(1))),
                  Date.from(now.plus(Duration.ofDays(30))),
                  dn,
                  caKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(caKeys.getPublic()));
      this.caCert = sign(b, caKeys.getPrivate());
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** A fresh root CA named "tlsloop test CA". */
  public static TestPki create() throws GeneralSecurityException {
    return new TestPki("tlsloop test CA");
  }

  /** A fresh root CA with the given common name. */
  public static TestPki create(String caName) throws GeneralSecurityException {
    return new TestPki(caName);
  }

  /** The CA certificate. */
  public X509Certificate caCertificate() {
    return caCert;
  }

  /** A leaf for these DNS names / IP literals, valid from an hour ago for 30 days. */
  public Identity issue(String... names) throws GeneralSecurityException {
    Instant now = Instant.now();
    return issue(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(30)), names);
  }

  /** A leaf whose validity ended yesterday. */
  public Identity issueExpired(String... names) throws GeneralSecurityException {
    Instant now = Instant.now();
    return issue(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)), names);
  }

  /** A leaf that becomes valid tomorrow. */
  public Identity issueNotYetValid(String... names) throws GeneralSecurityException {
    Instant now = Instant.now();
    return issue(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), names);
  }

  /** A leaf with an explicit validity window. */
  public Identity issue(Instant notBefore, Instant notAfter, String... names)
      throws GeneralSecurityException {
    if (names.length == 0) {
      throw new IllegalArgumentException("a leaf needs at least one name");
    }
    KeyPair keys = newKeyPair();
    List<GeneralName> sans = new ArrayList<>();
    for (String n : names) {
      sans.add(
          isIpLiteral(n)
              ? new GeneralName(GeneralName.iPAddress, n)
              : new GeneralName(GeneralName.dNSName, n));
    }
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  new X509CertificateHolder(caCert.getEncoded()).getSubject(),
                  nextSerial(),
                  Date.from(notBefore),
                  Date.from(notAfter),
                  new X500Name("CN=" + names[0] + ",O=tlsloop test"),
                  keys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(
                      new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                      }))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(sans.toArray(new GeneralName[0])))
              .addExtension(
                  Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(keys.getPublic()));
      X509Certificate leaf = sign(b, caKeys.getPrivate());
      return new Identity(keys.getPrivate(), new X509Certificate[] {leaf, caCert});
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** A key store holding only this CA, as a trust store. */
  public KeyStore trustStore() throws GeneralSecurityException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("ca", caCert);
      return ks;
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** Trust managers that trust only this CA. */
  public TrustManager[] trustManagers() throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trustStore());
    return tmf.getTrustManagers();
  }

  /** A server context presenting {@code id}, trusting this CA for client certificates. */
  public SSLContext serverContext(Identity id) throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(id.keyManagers(), trustManagers(), null);
    return ctx;
  }

  /** A client context that trusts only this CA and has no certificate of its own. */
  public SSLContext clientContext() throws GeneralSecurityException {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, trustManagers(), null);
    return ctx;
  }

  /** A client context that trusts this CA and presents {@code id} (mutual TLS). */
  public SSLContext clientContext(Identity id) throws GeneralSecurityException {
    return serverContext(id);
  }

  /** Writes the CA certificate as PEM. */
  public void writeCaPem(Path file) throws IOException {
    Files.writeString(file, pem(caCert), StandardCharsets.US_ASCII);
  }

  /** Reads a PEM certificate chain and a PEM private key into a PKCS12 key store (alias "key"). */
  public static KeyStore readPemKeyStore(Path certChainPem, Path keyPem)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = readCertificates(certChainPem);
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + certChainPem);
    }
    PrivateKey key;
    try (Reader r = Files.newBufferedReader(keyPem, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair) {
        key = conv.getKeyPair((PEMKeyPair) o).getPrivate();
      } else if (o instanceof PrivateKeyInfo) {
        key = conv.getPrivateKey((PrivateKeyInfo) o);
      } else {
        throw new GeneralSecurityException(
            "no unencrypted private key in " + keyPem + " (found " + o + ")");
      }
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("key", key, PASSWORD, chain.toArray(new Certificate[0]));
    return ks;
  }

  /** Reads the PEM certificates in {@code caPem} into a trust store. */
  public static KeyStore readPemTrustStore(Path caPem)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    int i = 0;
    for (X509Certificate c : readCertificates(caPem)) {
      ks.setCertificateEntry("ca" + i++, c);
    }
    if (i == 0) {
      throw new GeneralSecurityException("no certificate in " + caPem);
    }
    return ks;
  }

  private static List<X509Certificate> readCertificates(Path pem)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(pem, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof X509CertificateHolder) {
          out.add(conv.getCertificate((X509CertificateHolder) o));
        }
      }
    }
    return out;
  }

  /** A private key with its certificate chain (leaf first, then the CA). */
  public static final class Identity {
    private final PrivateKey key;
    private final X509Certificate[] chain;

    Identity(PrivateKey key, X509Certificate[] chain) {
      this.key = key;
      this.chain = chain;
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
      return chain[0];
    }

    /** Leaf and CA. */
    public X509Certificate[] chain() {
      return chain.clone();
    }

    /** The private key. */
    public PrivateKey privateKey() {
      return key;
    }

    /** A PKCS12 key store with the key under alias "key", password {@link #PASSWORD}. */
    public KeyStore keyStore() throws GeneralSecurityException {
      try {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", key, PASSWORD, chain);
        return ks;
      } catch (IOException e) {
        throw new GeneralSecurityException(e);
      }
    }

    /** Key managers (X509ExtendedKeyManager, as SSLEngine needs) over {@link #keyStore()}. */
    public KeyManager[] keyManagers() throws GeneralSecurityException {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keyStore(), PASSWORD);
      return kmf.getKeyManagers();
    }

    /** Writes the chain and the PKCS#8 key as PEM (for openssl, curl and the demo). */
    public void writePem(Path certFile, Path keyFile) throws IOException {
      StringBuilder sb = new StringBuilder();
      for (X509Certificate c : chain) {
        sb.append(pem(c));
      }
      Files.writeString(certFile, sb, StandardCharsets.US_ASCII);
      StringWriter w = new StringWriter();
      try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
        pw.writeObject(new JcaPKCS8Generator(key, null));
      }
      Files.writeString(keyFile, w.toString(), StandardCharsets.US_ASCII);
    }
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger nextSerial() {
    return BigInteger.valueOf(SERIAL.incrementAndGet());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws GeneralSecurityException {
    try {
      ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
      return new JcaX509CertificateConverter().getCertificate(b.build(s));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static boolean isIpLiteral(String s) {
    if (!s.matches("[0-9.]+|[0-9a-fA-F:]+") || !s.matches(".*[.:].*")) {
      return false;
    }
    try {
      InetAddress.getByName(s); // a literal: no lookup happens
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
