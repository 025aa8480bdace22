package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client as a user meets it: the default run, and each failure with its one-line message and
 * exit status, all produced by real connections.
 */
@Timeout(60)
class DemoClientTest {
  @TempDir Path dir;

  @Test
  void defaultRunStartsTheEmbeddedServerAndPrintsTheEcho() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        Main.run(
            new String[] {"client"},
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, e);
    assertEquals("Hello, server!\n", out.toString(StandardCharsets.UTF_8));
    assertTrue(e.contains("verification stays on"), e);
    assertTrue(e.contains("server closed the connection with close_notify"), e);
  }

  @ParameterizedTest
  @ValueSource(strings = {"--tls1.2", "--tls1.3"})
  void resumeConnectsTwiceAndTheSecondHandshakeResumes(String version) throws Exception {
    InProcessClient c = InProcessClient.run(version, "--resume", "--trace");
    assertEquals(0, c.exitCode(), c.transcript());
    String out = c.out();
    assertEquals(2, out.split("Hello, server!", -1).length - 1, out); // one echo per connection
    assertTrue(c.err().contains("connecting again with the same session cache"), c.err());
    // Only the second connection is traced, and its summary says it resumed.
    assertEquals(1, out.split("summary protocol", -1).length - 1, out);
    assertTrue(out.contains("resumed       yes"), out);
  }

  @Test
  void clientAuthMakesTheEmbeddedServerAskForAndGetTheClientsCertificate() throws Exception {
    InProcessClient c = InProcessClient.run("--client-auth", "--tls1.2", "--trace");
    assertEquals(0, c.exitCode(), c.transcript());
    assertTrue(c.out().contains("CertificateRequest"), c.out());
    assertTrue(c.out().contains("CN=tlsloop demo client"), c.out());
    assertTrue(c.out().contains("Hello, server!"), c.out());
  }

  @Test
  void httpModeSendsAGetWithHostHeaderAndReadsUntilTheServerCloses() throws Exception {
    try (DemoServers server = DemoServers.start(dir, "--http")) {
      InProcessClient c =
          InProcessClient.run(
              "--http",
              "/index.html",
              "--cacert",
              server.ca.toString(),
              "localhost",
              String.valueOf(server.port()));
      assertEquals(0, c.exitCode(), c.transcript());
      assertTrue(c.out().startsWith("HTTP/1.1 200 OK\r\n"), c.out());
      assertTrue(c.out().contains("Connection: close\r\n"), c.out());
      assertTrue(c.out().contains("<li>path: /index.html</li>"), c.out());
      assertTrue(c.out().contains("<li>user agent: tlsloop-demo</li>"), c.out());
    }
  }

  @Test
  void interactiveModeForwardsStdinAndEndsCleanlyAtEof() throws Exception {
    try (DemoServers server = DemoServers.start(dir);
        InProcessClient c =
            InProcessClient.start(
                "--stdin", "--cacert", server.ca.toString(), "localhost", "" + server.port())) {
      c.await("connected to", true, java.time.Duration.ofSeconds(15));
      c.type("line one");
      c.awaitOut("line one\n");
      c.type("line two");
      c.awaitOut("line two\n");
      c.endInput();
      assertEquals(0, c.exitCode(), c.transcript());
    }
  }

  /**
   * Four times what a send queue holds, typed at once: handed to the loop chunk by chunk, every
   * byte comes back, in order.
   */
  @Test
  void interactiveModeCarriesMoreThanASendQueueInBothDirections() throws Exception {
    StringBuilder big = new StringBuilder();
    for (int i = 0; big.length() < 4 * dev.tlsloop.loop.LoopOptions.DEFAULT_SEND_QUEUE_BYTES; i++) {
      big.append(String.format("line %06d of a long paste%n", i));
    }
    try (DemoServers server = DemoServers.start(dir);
        InProcessClient c =
            InProcessClient.start(
                "--stdin", "--cacert", server.ca.toString(), "localhost", "" + server.port())) {
      c.await("connected to", true, java.time.Duration.ofSeconds(15));
      c.type(big.toString());
      c.await(big + "\n", false, java.time.Duration.ofSeconds(30));
      c.endInput();
      assertEquals(0, c.exitCode(), c.transcript());
      assertEquals(big + "\n", c.out());
    }
  }

  @Test
  void mutualTlsWithTheClientCertificateTheServerGenerated() throws Exception {
    try (DemoServers server = DemoServers.start(dir, "--need-client-auth")) {
      Path cert = dir.resolve("demo-server-client-cert.pem");
      Path key = dir.resolve("demo-server-client-key.pem");
      assertTrue(server.out().contains("--cert " + cert + " --key " + key), server.out());
      String[] target = {"--cacert", server.ca.toString(), "localhost", "" + server.port()};
      InProcessClient with =
          InProcessClient.run(
              concat(new String[] {"--cert", "" + cert, "--key", "" + key}, target));
      assertEquals(0, with.exitCode(), with.transcript());
      assertEquals("Hello, server!\n", with.out());

      InProcessClient without = InProcessClient.run(target);
      assertEquals(Failure.PEER_ALERT.exitCode, without.exitCode(), without.transcript());
      assertTrue(without.err().contains("aborted the connection with TLS alert"), without.err());
    }
  }

  @Test
  void serverCertificateFromAPkcs12File() throws Exception {
    Pem pem = Pem.localhost(dir);
    Path p12 = dir.resolve("server.p12");
    java.security.KeyStore ks = pem.pki.issue("localhost").keyStore();
    try (java.io.OutputStream o = Files.newOutputStream(p12)) {
      ks.store(o, dev.tlsloop.testkit.TestPki.PASSWORD);
    }
    try (DemoServers server =
        DemoServers.start(
            dir,
            "--keystore",
            p12.toString(),
            "--storepass",
            new String(dev.tlsloop.testkit.TestPki.PASSWORD))) {
      InProcessClient c =
          InProcessClient.run("--cacert", pem.ca.toString(), "localhost", "" + server.port());
      assertEquals(0, c.exitCode(), c.transcript());
      assertEquals("Hello, server!\n", c.out());
    }
  }

  @Test
  void wrongHostNameIsAOneLineErrorWithItsExitCode() throws Exception {
    Pem pem = Pem.of(dir, "other names CA", "www.example.org");
    try (DemoServers server =
        DemoServers.start(
            dir, "--cert", pem.serverCert.toString(), "--key", pem.serverKey.toString())) {
      InProcessClient c =
          InProcessClient.run("--cacert", pem.ca.toString(), "localhost", "" + server.port());
      assertEquals(Failure.HOSTNAME_MISMATCH.exitCode, c.exitCode(), c.transcript());
      assertOneLineError(
          c, "error: certificate of localhost:" + server.port() + " is not valid for that host");
    }
  }

  @Test
  void untrustedCaIsAOneLineErrorWithItsExitCode() throws Exception {
    Pem stranger = Pem.of(dir, "stranger CA", "localhost");
    try (DemoServers server = DemoServers.start(dir)) {
      InProcessClient c =
          InProcessClient.run("--cacert", stranger.ca.toString(), "localhost", "" + server.port());
      assertEquals(Failure.UNTRUSTED.exitCode, c.exitCode(), c.transcript());
      assertOneLineError(c, "is not trusted: no trusted CA signed it");
    }
  }

  @Test
  void theDefaultTrustStoreDoesNotTrustAPrivateCa() throws Exception {
    try (DemoServers server = DemoServers.start(dir)) {
      InProcessClient c = InProcessClient.run("localhost", "" + server.port());
      assertEquals(Failure.UNTRUSTED.exitCode, c.exitCode(), c.transcript());
      assertOneLineError(c, "use --cacert FILE for a private CA");
    }
  }

  @Test
  void insecureConnectsAnywayButWarnsLoudly() throws Exception {
    try (DemoServers server = DemoServers.start(dir)) {
      InProcessClient c = InProcessClient.run("--insecure", "localhost", "" + server.port());
      assertEquals(0, c.exitCode(), c.transcript());
      assertTrue(c.err().startsWith("WARNING: --insecure"), c.err());
      assertEquals("Hello, server!\n", c.out());
    }
  }

  @Test
  void protocolVersionMismatchIsAnAlert() throws Exception {
    try (DemoServers server = DemoServers.start(dir, "--tls1.3")) {
      InProcessClient c =
          InProcessClient.run(
              "--tls1.2", "--cacert", server.ca.toString(), "localhost", "" + server.port());
      assertEquals(Failure.PEER_ALERT.exitCode, c.exitCode(), c.transcript());
      assertOneLineError(c, "alert 'protocol_version' (no protocol version in common)");
    }
  }

  @Test
  void refusedConnectionIsAOneLineError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // closed again: nothing listens there now
    }
    InProcessClient c = InProcessClient.run("127.0.0.1", "" + port);
    assertEquals(Failure.REFUSED.exitCode, c.exitCode(), c.transcript());
    assertOneLineError(c, "error: connection refused by 127.0.0.1:" + port);
  }

  @Test
  void unknownHostIsAOneLineError() throws Exception {
    InProcessClient c = InProcessClient.run("no-such-host.invalid");
    assertEquals(Failure.UNKNOWN_HOST.exitCode, c.exitCode(), c.transcript());
    assertOneLineError(c, "error: unknown host in no-such-host.invalid:443");
  }

  @Test
  void silentServerIsATimeout() throws Exception {
    // The kernel completes the TCP handshake from the backlog; nobody ever answers the hello.
    try (ServerSocket silent = new ServerSocket()) {
      silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
      long t0 = System.nanoTime();
      InProcessClient c =
          InProcessClient.run("--timeout", "1", "127.0.0.1", "" + silent.getLocalPort());
      assertEquals(Failure.TIMEOUT.exitCode, c.exitCode(), c.transcript());
      assertOneLineError(c, "error: timed out waiting for 127.0.0.1:");
      assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "gave up after about a second");
    }
  }

  @Test
  void usageErrorsExitWithTwo() throws Exception {
    InProcessClient c = InProcessClient.run("--cert", "only-a-cert.pem", "localhost");
    assertEquals(Failure.USAGE.exitCode, c.exitCode());
    assertTrue(c.err().startsWith("error: --cert and --key go together\nusage:"), c.err());
    assertEquals(Failure.USAGE.exitCode, InProcessClient.run("--bogus").exitCode());
  }

  @Test
  void caFileThatIsNotPemIsReported() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
    InProcessClient c = InProcessClient.run("--cacert", junk.toString(), "localhost", "1");
    assertEquals(Failure.OTHER.exitCode, c.exitCode(), c.transcript());
    assertOneLineError(c, "no PEM certificate in " + junk);
  }

  private static void assertOneLineError(InProcessClient c, String expected) {
    String[] lines = c.err().split("\n");
    String last = lines[lines.length - 1];
    assertTrue(last.startsWith("error: "), c.err());
    assertTrue(last.contains(expected), "expected '" + expected + "' in: " + c.err());
    assertEquals(1, c.err().split("error: ", -1).length - 1, "exactly one error line: " + c.err());
  }

  private static String[] concat(String[] a, String[] b) {
    String[] r = new String[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
