package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.LoopOptions;
import dev.tlsloop.loop.TlsHandler;
import dev.tlsloop.loop.TlsLoopGroup;
import dev.tlsloop.testkit.TestPki;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One port, certificates chosen by SNI: {@code openssl s_client -servername} and {@code curl
 * --resolve} asking for a.test and b.test each get (and verify) their own certificate.
 */
@Timeout(60)
class SniVsRealPeersTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final byte[] RESPONSE =
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
          .getBytes(StandardCharsets.US_ASCII);

  @TempDir static Path dir;
  static Path ca;
  static TlsLoopGroup loops;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    TestPki pki = TestPki.create("tlsloop sni CA");
    ca = dir.resolve("sni-ca.pem");
    pki.writeCaPem(ca);
    TlsConfig server =
        TlsConfig.server(pki.serverContext(pki.issue("default.test")))
            .serverName("a.test", pki.serverContext(pki.issue("a.test")))
            .serverName("b.test", pki.serverContext(pki.issue("b.test")))
            .build();
    loops = TlsLoopGroup.start(LoopOptions.builder().loops(1).build());
    port = loops.listen(server, new InetSocketAddress("127.0.0.1", 0), OneResponse::new).getPort();
  }

  @AfterAll
  static void stop() {
    if (loops != null) {
      loops.close();
    }
  }

  /** Answers the first bytes of a request with a tiny HTTP response, then closes. */
  static final class OneResponse implements TlsHandler {
    private boolean answered;

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      if (!answered) {
        answered = true;
        conn.send(ByteBuffer.wrap(RESPONSE));
        conn.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a.test", "b.test"})
  void opensslGetsTheCertificateOfTheNameItAsksFor(String name) throws Exception {
    for (String version : List.of("-tls1_2", "-tls1_3")) {
      try (ExternalProcess p =
          ExternalProcess.start(
              List.of(
                  "openssl",
                  "s_client",
                  "-connect",
                  "127.0.0.1:" + port,
                  "-servername",
                  name,
                  "-verify_hostname",
                  name,
                  "-verify_return_error",
                  "-CAfile",
                  ca.toString(),
                  version))) {
        p.await("Verify return code", WAIT);
        String out = p.output();
        assertTrue(subjectIs(out, name), out);
        assertTrue(out.contains("Verify return code: 0 (ok)"), out);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a.test", "b.test"})
  void curlGetsTheCertificateOfTheNameItAsksFor(String name) throws Exception {
    List<String> cmd =
        List.of(
            "curl",
            "-sS",
            "-v",
            "--max-time",
            "15",
            "--cacert",
            ca.toString(),
            "--resolve",
            name + ":" + port + ":127.0.0.1",
            "https://" + name + ":" + port + "/");
    try (ExternalProcess p = ExternalProcess.start(cmd)) {
      assertEquals(0, p.waitFor(WAIT), "curl failed:\n" + p.output());
      String out = p.output();
      assertTrue(out.contains("SSL certificate verify ok"), out);
      assertTrue(subjectIs(out, name), out);
      assertTrue(out.contains("< HTTP/1.1 200 OK"), out);
    }
  }

  /** s_client prints {@code subject=CN = a.test, O = x}, curl {@code subject: CN=a.test; O=x}. */
  private static boolean subjectIs(String out, String name) {
    return Pattern.compile(
            "subject[=:].*\\bCN ?= ?" + Pattern.quote(name) + "([,;]|\\s*$)", Pattern.MULTILINE)
        .matcher(out)
        .find();
  }
}
