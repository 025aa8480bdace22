package dev.tlsloop;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Run by {@link JfrEventsTest} in a JVM started with {@code --limit-modules}, without jdk.jfr: a
 * handshake, one byte each way, a close, and a failure, so that every event hook runs. Only
 * java.base (and the EC provider for the test keys) are used: the test PKI is read from a PKCS12
 * file, not generated with BouncyCastle. Prints what it saw; a NoClassDefFoundError fails it.
 */
public final class NoJfrMain {
  private NoJfrMain() {}

  public static void main(String[] args) throws Exception {
    char[] password = args[1].toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      ks.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    String protocol;
    try (Loopback l = Loopback.open();
        TlsChannel s = TlsConfig.server(server).build().newChannel(l.server);
        TlsChannel c =
            TlsConfig.client("localhost", 4433).sslContext(client).build().newChannel(l.client)) {
      Thread echo =
          new Thread(
              () -> {
                try {
                  ByteBuffer b = ByteBuffer.allocate(1);
                  while (b.hasRemaining()) {
                    s.read(b);
                  }
                  s.write(b.flip());
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      echo.start();
      c.write(ByteBuffer.wrap(new byte[] {42}));
      ByteBuffer b = ByteBuffer.allocate(1);
      while (b.hasRemaining()) {
        c.read(b);
      }
      echo.join();
      protocol = c.connection().session().getProtocol() + " echoed " + b.get(0);
    }
    String timedOut;
    try (Loopback l = Loopback.open()) {
      TlsConnection conn = TlsConfig.server(server).build().newConnection(l.server);
      timedOut = String.valueOf(conn.checkDeadlines(conn.nextDeadline()));
      conn.close();
    }
    System.out.println(
        "jdk.jfr in boot layer="
            + ModuleLayer.boot().findModule("jdk.jfr").isPresent()
            + " events available="
            + ConnectionEvents.AVAILABLE
            + " "
            + protocol
            + " timed out="
            + timedOut);
  }
}
