package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client for an IP literal sends no SNI (RFC 6066 section 3) and accepts only a certificate with
 * that address as an iPAddress SAN; a client for a name made of hex letters sends SNI. Over real
 * loopback sockets, IPv4 and IPv6 ({@code ::1}), both protocols.
 */
class IpHostHandshakeTest {
  private static TestPki pki;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  private static Exchange exchange(
      String bindAddress, String clientHost, String protocol, String... certNames)
      throws Exception {
    try (Loopback lo = Loopback.open(bindAddress)) {
      TlsConfig server = TlsConfig.server(pki.serverContext(pki.issue(certNames))).build();
      TlsConfig client =
          TlsConfig.client(clientHost, 443).trust(pki.trustStore()).protocols(protocol).build();
      return Exchange.run(lo, client, server, threads);
    }
  }

  private static List<SNIServerName> requestedServerNames(Exchange x) {
    return ((ExtendedSSLSession) x.server.connection().session()).getRequestedServerNames();
  }

  /** Client host, the loopback address it connects to, the certificate's IP SAN. */
  @ParameterizedTest(name = "{0} over {1}, {3}")
  @CsvSource({
    "127.0.0.1, 127.0.0.1, 127.0.0.1, TLSv1.3",
    "127.0.0.1, 127.0.0.1, 127.0.0.1, TLSv1.2",
    "::1, ::1, ::1, TLSv1.3",
    "::1, ::1, ::1, TLSv1.2",
    "'[::1]', ::1, ::1, TLSv1.3",
    "0:0:0:0:0:0:0:1, ::1, ::1, TLSv1.3",
    // The zone names a local interface that does not exist: it must never reach the JDK, whose
    // InetAddress.getByName would fail on it.
    "'[::1%nosuchif]', ::1, ::1, TLSv1.3",
    // IPv4-mapped: the JDK's host-name check compares addresses, and ::ffff:a.b.c.d is a.b.c.d.
    "::ffff:127.0.0.1, 127.0.0.1, 127.0.0.1, TLSv1.3",
  })
  void anIpLiteralGetsNoSniAndMatchesTheIpSan(
      String clientHost, String bindAddress, String ipSan, String protocol) throws Exception {
    Exchange x = exchange(bindAddress, clientHost, protocol, ipSan);
    assertNull(x.clientFailure, "client: " + x.clientFailure);
    assertNull(x.serverFailure, "server: " + x.serverFailure);
    assertEquals(protocol, x.client.connection().session().getProtocol());
    assertEquals(List.of(), requestedServerNames(x), "no server_name extension");
    assertEquals(
        IpLiteral.parse(clientHost).canonical(), x.client.connection().engine().getPeerHost());
  }

  /** Host-name verification stays on for literals: a DNS-only certificate is refused. */
  @ParameterizedTest(name = "{0} over {1}, {3}")
  @CsvSource({
    "127.0.0.1, 127.0.0.1, localhost, TLSv1.3",
    "127.0.0.1, 127.0.0.1, localhost, TLSv1.2",
    "127.0.0.1, 127.0.0.1, 127.0.0.2, TLSv1.3",
    "::1, ::1, localhost, TLSv1.3",
    "::1, ::1, localhost, TLSv1.2",
    "'[::1]', ::1, ::2, TLSv1.3",
  })
  void anIpLiteralFailsWithoutAMatchingIpSan(
      String clientHost, String bindAddress, String certName, String protocol) throws Exception {
    Exchange x = exchange(bindAddress, clientHost, protocol, certName);
    assertTrue(
        x.clientFailure instanceof SSLHandshakeException, "client failure: " + x.clientFailure);
    String expectedIp = IpLiteral.parse(clientHost).canonical();
    assertTrue(
        x.clientFailure.getMessage().contains("IP address " + expectedIp),
        x.clientFailure.getMessage());
    assertEquals(TlsState.FAILED, x.client.connection().state());
  }

  /** Hex-letter names are DNS names: SNI carries them and the dNSName SAN is what matches. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cafe", "db", "deadbeef"})
  void aHexLookingDnsNameGetsSni(String host) throws Exception {
    Exchange x = exchange("127.0.0.1", host, "TLSv1.3", host);
    assertNull(x.clientFailure, "client: " + x.clientFailure);
    assertEquals(List.of(new SNIHostName(host)), requestedServerNames(x));
  }
}
