package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.CountingTrustManager;
import dev.tlsloop.testkit.TestPki;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session resumption per config: on by default, off with {@code sessionResumption(false)}; cache
 * size and lifetime land on a private context. A resumed handshake (TLS 1.2 session id or ticket,
 * TLS 1.3 PSK) has no Certificate message, so the client verifies no chain: counting the client
 * trust manager's checks tells full handshakes from resumed ones, for both protocols.
 */
class SessionResumptionTest {
  private static TestPki pki;
  private static TestPki.Identity serverId;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    serverId = pki.issue("localhost");
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  /** Two exchanges with the same client and server configs; returns both. */
  private static Exchange[] twoConnections(TlsConfig client, TlsConfig server) throws Exception {
    Exchange[] out = new Exchange[2];
    for (int i = 0; i < 2; i++) {
      try (Loopback lo = Loopback.open()) {
        out[i] = Exchange.run(lo, client, server, threads);
      }
      assertNull(out[i].clientFailure, "client: " + out[i].clientFailure);
      assertNull(out[i].serverFailure, "server: " + out[i].serverFailure);
    }
    return out;
  }

  private static TlsConfig server(String protocol) throws Exception {
    return TlsConfig.server(pki.serverContext(serverId)).protocols(protocol).build();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void bothConnectionsOfAConfigShareOneSessionByDefault(String protocol) throws Exception {
    CountingTrustManager tm = counting();
    TlsConfig client =
        TlsConfig.client("localhost", 1).trustManagers(tm).protocols(protocol).build();
    Exchange[] x = twoConnections(client, server(protocol));
    assertEquals(1, tm.serverChecks(), "the second handshake was abbreviated");
    if (protocol.equals("TLSv1.2")) {
      byte[] first = x[0].client.connection().session().getId();
      assertTrue(first.length > 0);
      assertArrayEquals(first, x[1].client.connection().session().getId());
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void withResumptionOffEveryHandshakeIsFull(String protocol) throws Exception {
    CountingTrustManager tm = counting();
    TlsConfig client =
        TlsConfig.client("localhost", 1)
            .trustManagers(tm)
            .protocols(protocol)
            .sessionResumption(false)
            .build();
    Exchange[] x = twoConnections(client, server(protocol));
    assertEquals(2, tm.serverChecks(), "both handshakes verified the server's chain");
    // The host still reaches the host-name check, which passed (a wrong one fails: see below).
    assertEquals("localhost", x[1].client.connection().engine().getPeerHost());
    if (protocol.equals("TLSv1.2")) {
      assertFalse(
          Arrays.equals(
              x[0].client.connection().session().getId(),
              x[1].client.connection().session().getId()));
    }
  }

  @Test
  void withResumptionOffTheHostNameIsStillChecked() throws Exception {
    TlsConfig client =
        TlsConfig.client("wrong.example", 1)
            .trust(pki.trustStore())
            .sessionResumption(false)
            .build();
    try (Loopback lo = Loopback.open()) {
      Exchange x =
          Exchange.run(lo, client, TlsConfig.server(pki.serverContext(serverId)).build(), threads);
      assertTrue(
          String.valueOf(x.clientFailure).contains("wrong.example"), "got " + x.clientFailure);
    }
  }

  @Test
  void theJdkDefaultsAreTheDocumentedOnes() throws Exception {
    // JDK 17 and 25: SSLSessionContextImpl DEFAULT_MAX_CACHE_SIZE and DEFAULT_SESSION_TIMEOUT.
    TlsConfig dflt = TlsConfig.client("localhost", 1).build();
    assertSame(SSLContext.getDefault(), dflt.context(), "default trust uses the shared context");
    SSLSessionContext shared = dflt.context().getClientSessionContext();
    assertEquals(20480, shared.getSessionCacheSize());
    assertEquals(86400, shared.getSessionTimeout());
  }

  @Test
  void cacheSettingsGiveADefaultTrustClientAPrivateContext() throws Exception {
    TlsConfig c =
        TlsConfig.client("localhost", 1)
            .sessionCacheSize(7)
            .sessionTimeout(Duration.ofMinutes(5))
            .build();
    assertNotSame(SSLContext.getDefault(), c.context());
    assertEquals(7, c.context().getClientSessionContext().getSessionCacheSize());
    assertEquals(300, c.context().getClientSessionContext().getSessionTimeout());
    // The JVM-wide default context is untouched.
    assertEquals(20480, SSLContext.getDefault().getClientSessionContext().getSessionCacheSize());
    assertEquals(86400, SSLContext.getDefault().getClientSessionContext().getSessionTimeout());
  }

  @Test
  void aServerConfigSetsItsServerSessionCache() throws Exception {
    TlsConfig s =
        TlsConfig.server(serverId.keyStore(), TestPki.PASSWORD)
            .sessionCacheSize(3)
            .sessionTimeout(Duration.ofSeconds(90))
            .build();
    assertEquals(3, s.context().getServerSessionContext().getSessionCacheSize());
    assertEquals(90, s.context().getServerSessionContext().getSessionTimeout());
  }

  @Test
  void settingsTheJdkWouldReadAsNoLimitAreRefused() {
    TlsConfig.Builder b = TlsConfig.client("localhost", 1);
    assertThrows(IllegalArgumentException.class, () -> b.sessionCacheSize(0));
    assertThrows(IllegalArgumentException.class, () -> b.sessionTimeout(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> b.sessionTimeout(Duration.ofMillis(999)));
    assertThrows(IllegalArgumentException.class, () -> b.sessionTimeout(Duration.ofDays(-1)));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.sessionTimeout(Duration.ofSeconds(Integer.MAX_VALUE + 1L)));
  }

  @Test
  void optionsTheConfigCannotHonourAreRefusedAtBuild() throws Exception {
    SSLContext own = pki.clientContext();
    assertThrows(
        IllegalStateException.class,
        () -> TlsConfig.client("localhost", 1).sslContext(own).sessionCacheSize(5).build());
    assertThrows(
        IllegalStateException.class,
        () ->
            TlsConfig.client("localhost", 1)
                .sslContext(own)
                .sessionTimeout(Duration.ofSeconds(5))
                .build());
    assertThrows(
        IllegalStateException.class,
        () ->
            TlsConfig.server(serverId.keyStore(), TestPki.PASSWORD)
                .sessionResumption(false)
                .build());
    // Resumption off is per engine, so it works with a caller's context too.
    assertSame(
        own,
        TlsConfig.client("localhost", 1)
            .sslContext(own)
            .sessionResumption(false)
            .build()
            .context());
  }

  /** Trusts the test CA and counts the server chains it verifies. */
  private static CountingTrustManager counting() throws Exception {
    return new CountingTrustManager(
        (X509ExtendedTrustManager) pki.trustManagers()[0], new AtomicLong());
  }
}
