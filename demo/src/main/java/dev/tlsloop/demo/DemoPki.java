package dev.tlsloop.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringWriter;
import java.math.BigInteger;
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
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The demo's certificates: a throw-away CA made at start-up and a leaf it signs, plus PEM and
 * PKCS12 loading for certificates given on the command line. EC P-256, valid for a week.
 */
final class DemoPki {
  /** Password of the in-memory key stores built here. */
  static final char[] PASSWORD = "tlsloop-demo".toCharArray();

  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyPair caKeys;
  private final X509Certificate caCert;

  private DemoPki(String caName) throws GeneralSecurityException {
    caKeys = newKeyPair();
    X500Name dn = new X500Name("CN=" + caName + ",O=tlsloop demo");
    Instant now = Instant.now();
    X509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            dn,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(7))),
            dn,
            caKeys.getPublic());
    try {
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    caCert = sign(b);
  }

  /** A fresh CA. */
  static DemoPki create(String caName) throws GeneralSecurityException {
    return new DemoPki(caName);
  }

  /** The CA certificate. */
  X509Certificate caCertificate() {
    return caCert;
  }

  /**
   * A PKCS12 key store (alias "key", password {@link #PASSWORD}) with a fresh key and a leaf for
   * these DNS names or IP literals, usable by servers and clients.
   */
  KeyStore issue(String... names) throws GeneralSecurityException {
    KeyPair keys = newKeyPair();
    List<GeneralName> sans = new ArrayList<>();
    for (String n : names) {
      boolean ip = n.matches("[0-9.]+") || n.contains(":");
      sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, n));
    }
    Instant now = Instant.now();
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              new X509CertificateHolder(caCert.getEncoded()).getSubject(),
              serial(),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(Duration.ofDays(7))),
              new X500Name("CN=" + names[0] + ",O=tlsloop demo"),
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sans.toArray(new GeneralName[0])));
      return keyStore(keys.getPrivate(), new X509Certificate[] {sign(b), caCert});
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  /** A trust store holding only this CA. */
  KeyStore trustStore() throws GeneralSecurityException {
    return trustStoreOf(List.of(caCert));
  }

  /** Writes the CA certificate as PEM. */
  void writeCaPem(Path file) throws IOException {
    Files.writeString(file, pem(caCert), StandardCharsets.US_ASCII);
  }

  /** Writes the chain and the unencrypted PKCS#8 key of {@code ks} (alias "key") as PEM. */
  static void writePem(KeyStore ks, Path certFile, Path keyFile)
      throws IOException, GeneralSecurityException {
    StringBuilder chain = new StringBuilder();
    for (Certificate c : ks.getCertificateChain("key")) {
      chain.append(pem(c));
    }
    Files.writeString(certFile, chain, StandardCharsets.US_ASCII);
    PrivateKey key = (PrivateKey) ks.getKey("key", PASSWORD);
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(key, null)), StandardCharsets.US_ASCII);
  }

  /** A key store (alias "key", password {@link #PASSWORD}) from a PEM chain and a PEM key. */
  static KeyStore readPemKeyStore(Path certFile, Path keyFile)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = readCertificates(certFile);
    if (chain.isEmpty()) {
      throw new GeneralSecurityException("no PEM certificate in " + certFile);
    }
    PrivateKey key;
    try (Reader r = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
        PEMParser p = new PEMParser(r)) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair) {
        key = conv.getKeyPair((PEMKeyPair) o).getPrivate();
      } else if (o instanceof PrivateKeyInfo) {
        key = conv.getPrivateKey((PrivateKeyInfo) o);
      } else {
        throw new GeneralSecurityException("no unencrypted PEM private key in " + keyFile);
      }
    }
    return keyStore(key, chain.toArray(new X509Certificate[0]));
  }

  /** A trust store with every certificate of a PEM file. */
  static KeyStore readPemTrustStore(Path pemFile) throws IOException, GeneralSecurityException {
    List<X509Certificate> certs = readCertificates(pemFile);
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no PEM certificate in " + pemFile);
    }
    return trustStoreOf(certs);
  }

  /** Loads a PKCS12 file. */
  static KeyStore readPkcs12(Path file, char[] password)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, password);
    }
    return ks;
  }

  private static List<X509Certificate> readCertificates(Path pemFile)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(pemFile, StandardCharsets.US_ASCII);
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

  private static KeyStore trustStoreOf(List<X509Certificate> certs)
      throws GeneralSecurityException {
    KeyStore ks = emptyKeyStore();
    for (int i = 0; i < certs.size(); i++) {
      ks.setCertificateEntry("ca" + i, certs.get(i));
    }
    return ks;
  }

  private static KeyStore keyStore(PrivateKey key, X509Certificate[] chain)
      throws GeneralSecurityException {
    KeyStore ks = emptyKeyStore();
    ks.setKeyEntry("key", key, PASSWORD, chain);
    return ks;
  }

  private static KeyStore emptyKeyStore() throws GeneralSecurityException {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      return ks;
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
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

  private static BigInteger serial() {
    return new BigInteger(63, RANDOM);
  }
}
