package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code demo server --http} against a real curl, verifying with {@code --cacert}. */
@Timeout(60)
class ServerVsCurlTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir static Path dir;
  static DemoServers server;

  @BeforeAll
  static void start() throws Exception {
    ExternalProcess.require("curl");
    server = DemoServers.start(dir, "--http");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String curl(String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of("curl", "-sS", "-v", "--max-time", "15", "--cacert", server.ca.toString()));
    cmd.addAll(Arrays.asList(args));
    try (ExternalProcess p = ExternalProcess.start(cmd)) {
      int exit = p.waitFor(WAIT);
      assertEquals(0, exit, "curl failed:\n" + p.output());
      return p.output();
    }
  }

  private String url(String path) {
    return "https://localhost:" + server.port() + path;
  }

  @ParameterizedTest
  @ValueSource(strings = {"--tlsv1.2", "--tlsv1.3"})
  void curlVerifiesTheServerAndGetsAPage(String version) throws Exception {
    String out =
        curl(
            version,
            "--tls-max",
            version.substring(6),
            url("/hello?x=<b>")); // the path is escaped in the page
    assertTrue(out.contains("SSL certificate verify ok"), out);
    assertTrue(out.contains("< HTTP/1.1 200 OK"), out);
    assertTrue(out.contains("<li>path: /hello?x=&lt;b&gt;</li>"), out);
    String tls = version.equals("--tlsv1.2") ? "TLSv1.2" : "TLSv1.3";
    assertTrue(out.contains("HTTP/1.1 over " + tls), out);
  }

  @Test
  void http11ConnectionsAreKeptAlive() throws Exception {
    String out = curl(url("/one"), url("/two"), url("/three"));
    assertTrue(out.contains("Re-using existing connection"), out);
    assertTrue(out.contains("request 3 on this connection"), out);
    assertTrue(out.contains("< Connection: keep-alive"), out);
  }

  @Test
  void http10AndConnectionCloseEndWithCloseNotify() throws Exception {
    // curl (OpenSSL 3) fails with "unexpected eof while reading" when close_notify is missing:
    // exit status 0 shows it was sent before the TCP close.
    String out = curl("--http1.0", url("/old"));
    assertTrue(out.contains("< Connection: close"), out);
    assertTrue(out.contains("<li>path: /old</li>"), out);
    out = curl("-H", "Connection: close", url("/bye"));
    assertTrue(out.contains("< Connection: close"), out);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (server.server.connectionCount() > 0) {
      assertTrue(System.nanoTime() < deadline, "the server did not close the connections");
      Thread.sleep(20);
    }
  }

  @Test
  void headAndOtherMethods() throws Exception {
    String out = curl("-I", url("/"));
    assertTrue(out.contains("< HTTP/1.1 200 OK"), out);
    assertTrue(out.contains("< Content-Length: "), out);
    out = curl("-X", "DELETE", url("/"));
    assertTrue(out.contains("< HTTP/1.1 405 Method Not Allowed"), out);
  }

  @Test
  void eachResponseIsOneWriteInOneRecord() throws Exception {
    ExternalProcess.require("openssl");
    try (ExternalProcess p =
        ExternalProcess.start(
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + server.port(),
                "-CAfile",
                server.ca.toString(),
                "-tls1_3",
                "-msg",
                "-quiet",
                "-ign_eof"))) {
      p.send("GET /r HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r");
      p.await("</html>", WAIT);
      p.waitFor(WAIT);
      String out = p.output();
      assertEquals(1, applicationDataRecordsReceived(out), out);
      assertTrue(out.contains("HTTP/1.1 200 OK"), out);
    }
  }

  /**
   * Counts the TLS 1.3 records s_client -msg saw arrive whose inner type is application data: an
   * InnerContent line not followed by a Handshake or Alert line.
   */
  private static int applicationDataRecordsReceived(String msgOutput) {
    String[] lines = msgOutput.split("\n");
    int n = 0;
    for (int i = 0; i < lines.length; i++) {
      if (!lines[i].startsWith("<<< TLS 1.3, InnerContent")) {
        continue;
      }
      String next = "";
      for (int j = i + 1; j < lines.length; j++) {
        if (lines[j].startsWith("<<<") || lines[j].startsWith(">>>")) {
          next = lines[j];
          break;
        }
      }
      if (!next.startsWith("<<< TLS 1.3, Handshake") && !next.startsWith("<<< TLS 1.3, Alert")) {
        n++;
      }
    }
    return n;
  }
}
