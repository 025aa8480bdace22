package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A server chooses ALPN by a function of the offer and the server name (RFC 7301). */
class AlpnSelectorTest {
  static TestPki pki;
  static SSLContext server;
  static ExecutorService pool = Executors.newCachedThreadPool();
  static final List<String> asked = new CopyOnWriteArrayList<>();

  /** h2 for a.test when offered, http/1.1 for anything else offered, no match otherwise. */
  static final AlpnSelector BY_NAME =
      (offered, name) -> {
        asked.add(name + " " + offered);
        if ("a.test".equals(name) && offered.contains("h2")) {
          return "h2";
        }
        return offered.contains("http/1.1") ? "http/1.1" : null;
      };

  @BeforeAll
  static void pki() throws Exception {
    pki = TestPki.create();
    server = pki.serverContext(pki.issue("a.test", "b.test"));
  }

  @AfterAll
  static void stop() {
    pool.shutdownNow();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void theServerChoosesByTheOfferAndTheServerName(String protocol) throws Exception {
    asked.clear();
    TlsConfig srv =
        TlsConfig.server(server).protocols(protocol).alpnSelector(BY_NAME, true).build();
    assertEquals("h2", handshake(srv, "a.test", protocol, "h2", "http/1.1"));
    assertEquals("http/1.1", handshake(srv, "b.test", protocol, "h2", "http/1.1"));
    assertEquals(List.of("a.test [h2, http/1.1]", "b.test [h2, http/1.1]"), List.copyOf(asked));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void strictWithNoMatchFailsWithNoApplicationProtocol(String protocol) throws Exception {
    TlsConfig srv =
        TlsConfig.server(server).protocols(protocol).alpnSelector(BY_NAME, true).build();
    SSLHandshakeException e =
        assertThrows(SSLHandshakeException.class, () -> handshake(srv, "a.test", protocol, "foo"));
    assertTrue(e.getMessage().contains("no_application_protocol"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void lenientWithNoMatchGoesOnWithoutAlpn(String protocol) throws Exception {
    TlsConfig srv =
        TlsConfig.server(server).protocols(protocol).alpnSelector(BY_NAME, false).build();
    assertEquals("", handshake(srv, "a.test", protocol, "foo"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aClientOfferingNothingIsNotAskedAbout(String protocol) throws Exception {
    asked.clear();
    TlsConfig srv =
        TlsConfig.server(server).protocols(protocol).alpnSelector(BY_NAME, true).build();
    assertEquals("", handshake(srv, "b.test", protocol));
    assertTrue(asked.isEmpty(), asked.toString());
  }

  /** Handshakes a client for {@code host} offering {@code alpn}; returns what the server chose. */
  private static String handshake(TlsConfig srv, String host, String protocol, String... alpn)
      throws Exception {
    try (Loopback l = Loopback.open();
        TlsChannel s = srv.newChannel(l.server);
        TlsChannel c =
            TlsConfig.client(host, 443)
                .sslContext(pki.clientContext())
                .protocols(protocol)
                .alpn(alpn)
                .build()
                .newChannel(l.client)) {
      Future<String> server =
          pool.submit(
              () -> {
                try {
                  s.handshake();
                  s.read(ByteBuffer.allocate(1)); // the client's byte (and its Finished, in 1.3)
                  return s.connection().applicationProtocol();
                } catch (IOException e) {
                  return "failed: " + e;
                }
              });
      c.handshake();
      c.write(ByteBuffer.wrap(new byte[] {1}));
      String chosen = server.get(20, TimeUnit.SECONDS);
      assertEquals(chosen, c.connection().applicationProtocol(), "both sides agree");
      return chosen;
    }
  }
}
