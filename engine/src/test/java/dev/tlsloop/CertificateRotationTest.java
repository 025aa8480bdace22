package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server config's certificate swapped while it runs: new connections present the new one, an open
 * connection keeps its own and keeps working.
 */
class CertificateRotationTest {
  private static TestPki pki;
  private static ExecutorService pool;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    pool = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void newConnectionsSeeTheNewCertificateWhileAnOpenOneKeepsTheOld() throws Exception {
    TestPki.Identity a = pki.issue("localhost");
    TestPki.Identity b = pki.issue("localhost");
    RotatingContext contexts = new RotatingContext(pki.serverContext(a));
    TlsConfig server = TlsConfig.server(contexts).build();
    // One client config for both connections: it would resume the first session if it could.
    TlsConfig client = TlsConfig.client("localhost", 4433).sslContext(pki.clientContext()).build();
    try (Loopback l1 = Loopback.open();
        TlsChannel s1 = server.newChannel(l1.server);
        TlsChannel c1 = client.newChannel(l1.client)) {
      Future<?> echo1 = pool.submit(() -> echo(s1, 2));
      roundTrip(c1, (byte) 1);
      assertEquals(a.certificate(), peerCertificate(c1), "connection 1 sees A");

      SSLContext next = pki.serverContext(b);
      assertSame(contexts.get(), contexts.set(next), "set returns the context it replaces");
      assertSame(next, server.context());
      assertSame(next, server.forEventLoop(Runnable::run).context(), "event-loop copies rotate");

      try (Loopback l2 = Loopback.open();
          TlsChannel s2 = server.newChannel(l2.server);
          TlsChannel c2 = client.newChannel(l2.client)) {
        Future<?> echo2 = pool.submit(() -> echo(s2, 1));
        roundTrip(c2, (byte) 2);
        assertEquals(b.certificate(), peerCertificate(c2), "connection 2 sees B");
        echo2.get(30, TimeUnit.SECONDS);
      }
      // Connection 1, opened before the swap, still works and still is what it was.
      roundTrip(c1, (byte) 3);
      assertEquals(a.certificate(), peerCertificate(c1));
      assertEquals(a.certificate(), s1.connection().session().getLocalCertificates()[0]);
      echo1.get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRotatingContextAndAnotherEngineFactoryAreRefused() throws Exception {
    RotatingContext contexts = new RotatingContext(pki.serverContext(pki.issue("localhost")));
    TlsConfig.Builder both =
        TlsConfig.server(contexts).engineFactory((h, p, n) -> contexts.get().createSSLEngine());
    assertThrows(IllegalStateException.class, both::build);
    // Session options belong to each context, which the config did not build.
    assertThrows(
        IllegalStateException.class,
        () ->
            TlsConfig.client("localhost", 4433).sslContext(contexts).sessionCacheSize(10).build());
  }

  private static Certificate peerCertificate(TlsChannel c) throws IOException {
    return c.connection().session().getPeerCertificates()[0];
  }

  private static void roundTrip(TlsChannel c, byte value) throws IOException {
    byte[] sent = {value, value, value};
    c.write(ByteBuffer.wrap(sent));
    ByteBuffer got = ByteBuffer.allocate(sent.length);
    while (got.hasRemaining()) {
      if (c.read(got) < 0) {
        throw new IOException("end of stream");
      }
    }
    assertArrayEquals(sent, got.array());
  }

  private static Void echo(TlsChannel s, int rounds) throws IOException {
    for (int i = 0; i < rounds; i++) {
      ByteBuffer b = ByteBuffer.allocate(3);
      while (b.hasRemaining()) {
        if (s.read(b) < 0) {
          throw new IOException("end of stream");
        }
      }
      s.write(b.flip());
    }
    return null;
  }
}
