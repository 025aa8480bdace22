package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo client (tlsloop's blocking channel over the engine) against a real {@code openssl
 * s_server}: both versions, tiny records, client certificates, ALPN, KeyUpdate and TLS 1.2
 * renegotiation started by the server, and a server that vanishes without close_notify.
 */
@Timeout(60)
class ClientVsOpensslServerTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir static Path dir;
  static Pem pem;

  @BeforeAll
  static void certificates() throws Exception {
    ExternalProcess.require("openssl");
    pem = Pem.localhost(dir);
  }

  /** {@code openssl s_server} for one connection on a free port, with our server certificate. */
  private static ExternalProcess sServer(String... extra) throws Exception {
    return pem.sServer(1, List.of(extra));
  }

  private static String[] client(int port, String... extra) {
    List<String> args = new ArrayList<>(Arrays.asList(extra));
    args.addAll(List.of("--cacert", pem.ca.toString(), "localhost", String.valueOf(port)));
    return args.toArray(new String[0]);
  }

  private static String protocol(String opensslFlag) {
    return opensslFlag.equals("-tls1_2") ? "TLSv1.2" : "TLSv1.3";
  }

  @ParameterizedTest
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void clientPrintsTheReplyAndExitsZeroAfterTheServersCloseNotify(String version) throws Exception {
    try (ExternalProcess s = sServer(version, "-rev")) {
      InProcessClient c =
          InProcessClient.run(client(s.acceptPort(), "--message", "Hello, server!\n"));
      assertEquals(0, c.exitCode(), c.transcript());
      assertEquals("!revres ,olleH\n", c.out(), c.transcript());
      assertTrue(c.err().contains("connected to localhost:"), c.transcript());
      assertTrue(c.err().contains(protocol(version) + ", "), c.transcript());
      assertTrue(c.err().contains("server closed the connection with close_notify"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void repliesCutInto512ByteRecordsArriveWhole(String version) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < 6000; i++) {
      sb.append(i).append(' ');
    }
    String line = sb.toString();
    try (ExternalProcess s = sServer(version, "-rev", "-max_send_frag", "512", "-trace")) {
      InProcessClient c = InProcessClient.run(client(s.acceptPort(), "--message", line + "\n"));
      assertEquals(0, c.exitCode(), c.transcript());
      assertEquals(new StringBuilder(line).reverse() + "\n", c.out());
      s.waitFor(WAIT); // -naccept 1: it exits after the connection, its trace complete
      // The server really sent small records: at least 6000 / 512 application-data records.
      Matcher m =
          Pattern.compile(
                  "Sent Record\\s+Header:\\s+Version = [^\\n]+\\s+"
                      + "Content Type = ApplicationData \\(23\\)\\s+Length = (\\d+)")
              .matcher(s.output());
      int records = 0;
      while (m.find()) {
        records++;
        assertTrue(Integer.parseInt(m.group(1)) <= 512 + 64, "record of " + m.group(1) + " B");
      }
      assertTrue(records >= 10, records + " application-data records");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void requiredClientCertificateIsSentWithCertAndKey(String version) throws Exception {
    try (ExternalProcess s =
        sServer(version, "-rev", "-Verify", "1", "-CAfile", pem.ca.toString())) {
      InProcessClient c =
          InProcessClient.run(
              client(
                  s.acceptPort(),
                  "--cert",
                  pem.clientCert.toString(),
                  "--key",
                  pem.clientKey.toString(),
                  "--message",
                  "mutual\n"));
      assertEquals(0, c.exitCode(), c.transcript());
      assertEquals("lautum\n", c.out());
      s.await("Peer certificate: CN = tlsloop test client", WAIT);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void missingClientCertificateIsAOneLineAlertError(String version) throws Exception {
    try (ExternalProcess s =
        sServer(version, "-rev", "-Verify", "1", "-CAfile", pem.ca.toString())) {
      InProcessClient c = InProcessClient.run(client(s.acceptPort(), "--message", "no cert\n"));
      assertEquals(Failure.PEER_ALERT.exitCode, c.exitCode(), c.transcript());
      String expected =
          version.equals("-tls1_3")
              // TLS 1.3: the client is done after its Finished; the alert comes on the first read.
              ? "alert 'certificate_required'"
              : "alert 'handshake_failure'";
      assertTrue(c.err().contains(expected), c.transcript());
      assertTrue(c.err().contains("try --cert/--key"), c.transcript());
      assertEquals("", c.out());
    }
  }

  @Test
  void alpnProtocolChosenByTheServerIsReported() throws Exception {
    try (ExternalProcess s = sServer("-rev", "-alpn", "http/1.1")) {
      InProcessClient c =
          InProcessClient.run(client(s.acceptPort(), "--alpn", "h2,http/1.1", "--message", "x\n"));
      assertEquals(0, c.exitCode(), c.transcript());
      assertTrue(c.err().contains("ALPN http/1.1"), c.transcript());
    }
  }

  /**
   * {@code K}: the server updates its keys and requests ours; the client must answer with its own
   * KeyUpdate (s_server's trace shows it as update_not_requested). {@code k}: no answer due. Data
   * keeps flowing both ways afterwards, and the close is clean.
   */
  @Test
  void keyUpdatesFromTheServerAreAnsweredAndDataKeepsFlowing() throws Exception {
    try (ExternalProcess s = sServer("-tls1_3", "-trace")) {
      InProcessClient c = InProcessClient.start(client(s.acceptPort(), "--stdin"));
      c.await("connected to", true, WAIT);
      c.type("one");
      s.await("one\n", WAIT);

      s.send("K");
      s.await("update_requested (1)", WAIT);
      s.send("after-K");
      c.awaitOut("after-K");
      int answer = s.await("update_not_requested (0)", WAIT).length();
      assertTrue(answer > 0);
      assertTrue(
          s.output().lastIndexOf("Received Record") > s.output().indexOf("update_requested (1)"),
          "the client's KeyUpdate came after the server's");

      c.type("two");
      s.await("two\n", WAIT);

      // s_server takes a command only when it is alone in one read of its stdin: wait for the
      // KeyUpdate (its second update_not_requested) before typing more.
      s.send("k");
      s.awaitMatch(Pattern.compile("(?s)(update_not_requested \\(0\\).*){2}"), WAIT);
      s.send("after-k");
      c.awaitOut("after-k");
      c.type("three");
      s.await("three\n", WAIT);

      c.endInput(); // close_notify from the client; s_server answers with its own
      assertEquals(0, c.exitCode(), c.transcript());
      assertEquals("after-K\nafter-k\n", c.out());
    }
  }

  /**
   * TLS 1.2 renegotiation started by the server ({@code r}), or with a fresh full handshake in
   * which the server asks for a client certificate ({@code R}, no session cache or tickets). The
   * JDK engine speaks secure renegotiation (RFC 5746): the client accepts, renegotiates inside the
   * open connection, and data flows on both ways.
   */
  @ParameterizedTest
  @ValueSource(strings = {"r", "R"})
  void serverRequestedRenegotiationIsAcceptedAndNeverHangs(String command) throws Exception {
    try (ExternalProcess s =
            sServer(
                "-tls1_2",
                "-trace",
                "-no_cache",
                "-no_ticket",
                "-verify",
                "1",
                "-CAfile",
                pem.ca.toString());
        InProcessClient c =
            InProcessClient.start(
                client(
                    s.acceptPort(),
                    "--stdin",
                    "--cert",
                    pem.clientCert.toString(),
                    "--key",
                    pem.clientKey.toString()))) {
      c.await("connected to", true, WAIT);
      c.type("one");
      s.await("one\n", WAIT);

      s.send(command);
      s.await("HelloRequest", WAIT);
      s.send("after-" + command);
      c.awaitOut("after-" + command);
      c.type("two");
      s.await("two\n", WAIT);
      String trace = s.output();
      assertEquals(2, count(trace, "ClientHello, Length"), "a second, full handshake happened");
      assertEquals(4, count(trace, "    Finished, Length"), "two Finished per handshake");
      assertTrue(trace.contains("Secure Renegotiation IS supported"));

      c.endInput();
      assertEquals(0, c.exitCode(), c.transcript());
    }
  }

  /** s_server killed while the client waits for its reply: TCP FIN, no close_notify. */
  @ParameterizedTest
  @ValueSource(strings = {"-tls1_2", "-tls1_3"})
  void serverThatDropsTheConnectionIsReportedAsTruncation(String version) throws Exception {
    try (ExternalProcess s = sServer(version)) {
      InProcessClient c = InProcessClient.start(client(s.acceptPort(), "--message", "anyone?\n"));
      s.await("anyone?", WAIT);
      s.kill();
      assertEquals(Failure.TRUNCATED.exitCode, c.exitCode(), c.transcript());
      assertTrue(c.err().contains("truncated"), c.transcript());
      assertTrue(c.err().contains("without sending close_notify"), c.transcript());
    }
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
