package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tlsloop.testkit.TestPki;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Engines from a factory get the config's settings, so the secure defaults hold. */
class EngineFactoryTest {
  @Test
  void aFactoryEngineIsUsedWithTheConfigsSettingsAndHostNameChecking() throws Exception {
    TestPki pki = TestPki.create();
    SSLContext server = pki.serverContext(pki.issue("localhost"));
    SSLContext client = pki.clientContext();
    List<String> calls = new CopyOnWriteArrayList<>();
    TlsEngineFactory clientEngines =
        (host, port, name) -> {
          calls.add("client " + host + ":" + port + " sni=" + name);
          return client.createSSLEngine(host, port);
        };
    TlsEngineFactory serverEngines =
        (host, port, name) -> {
          calls.add("server " + host + ":" + port + " sni=" + name);
          return server.createSSLEngine();
        };
    TlsConfig serverConfig =
        TlsConfig.server(server).engineFactory(serverEngines).protocols("TLSv1.3").build();
    try (Loopback l = Loopback.open();
        TlsChannel s = serverConfig.newChannel(l.server);
        TlsChannel c =
            TlsConfig.client("localhost", 4433)
                .sslContext(client)
                .engineFactory(clientEngines)
                .build()
                .newChannel(l.client)) {
      Thread t = new Thread(() -> echoOnce(s));
      t.start();
      c.write(ByteBuffer.wrap(new byte[] {7, 8, 9}));
      ByteBuffer b = ByteBuffer.allocate(3);
      while (b.hasRemaining()) {
        c.read(b);
      }
      assertArrayEquals(new byte[] {7, 8, 9}, b.array());
      assertEquals("TLSv1.3", c.connection().session().getProtocol(), "config's protocols applied");
      t.join(10_000);
    }
    assertEquals(
        java.util.Set.of("client localhost:4433 sni=localhost", "server null:-1 sni=null"),
        java.util.Set.copyOf(calls));
    assertEquals(2, calls.size());
  }

  @Test
  void aFactoryEngineStillChecksTheHostName() throws Exception {
    TestPki pki = TestPki.create();
    SSLContext server = pki.serverContext(pki.issue("other.example"));
    SSLContext client = pki.clientContext();
    try (Loopback l = Loopback.open();
        TlsChannel s = TlsConfig.server(server).build().newChannel(l.server);
        TlsChannel c =
            TlsConfig.client("localhost", 4433)
                .sslContext(client)
                .engineFactory((h, p, n) -> client.createSSLEngine(h, p))
                .build()
                .newChannel(l.client)) {
      Thread t =
          new Thread(
              () -> {
                try {
                  s.handshake();
                } catch (java.io.IOException expected) {
                  // the client rejects us
                }
              });
      t.start();
      assertThrows(SSLHandshakeException.class, c::handshake);
      t.join(10_000);
    }
  }

  private static void echoOnce(TlsChannel s) {
    try {
      ByteBuffer b = ByteBuffer.allocate(3);
      while (b.hasRemaining()) {
        s.read(b);
      }
      s.write(b.flip());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
