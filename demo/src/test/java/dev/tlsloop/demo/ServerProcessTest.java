package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo server} as its own JVM, through {@link Main}: the first line, the shutdown hook, and
 * JDK settings that only a fresh JVM can take.
 */
@Timeout(60)
class ServerProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  static final Pattern LISTENING =
      Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) \\(TLS; CA certificate: (\\S+)\\)\\n");

  @TempDir Path dir;

  private static ExternalProcess server(List<String> jvmOptions, String... args) throws Exception {
    return ExternalProcess.start(serverCommand(jvmOptions, args));
  }

  /** {@code java [jvmOptions] Main server args} on this test's class path and JDK. */
  static List<String> serverCommand(List<String> jvmOptions, String... args) {
    return serverCommand(System.getProperty("java.class.path"), jvmOptions, args);
  }

  /** {@code java [jvmOptions] -cp classPath Main server args} on this test's JDK. */
  static List<String> serverCommand(String classPath, List<String> jvmOptions, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", classPath, Main.class.getName()));
    cmd.add("server");
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  @Test
  void firstLineNamesTheAddressAndTheCaAndSigtermClosesWithCloseNotify() throws Exception {
    Path ca = dir.resolve("ca.pem");
    try (ExternalProcess s = server(List.of(), "--port", "0", "--ca-out", ca.toString())) {
      Matcher m = s.awaitMatch(LISTENING, WAIT);
      assertTrue(s.output().startsWith(m.group()), "it is the first line:\n" + s.output());
      assertEquals(ca.toString(), m.group(2));
      assertTrue(new File(m.group(2)).isFile());
      try (InProcessClient c =
          InProcessClient.start("--stdin", "--cacert", m.group(2), "localhost", m.group(1))) {
        c.type("still there?");
        c.awaitOut("still there?\n");
        s.terminate(); // like Ctrl-C: the shutdown hook closes every connection
        assertEquals(0, c.exitCode(), c.transcript());
        assertTrue(c.err().contains("server closed the connection with close_notify"));
      }
      int exit = s.waitFor(WAIT);
      assertTrue(s.output().contains("server stopped"), "exit " + exit + ": " + s.output());
    }
  }

  /**
   * With tlsloop's policy set to allow, the JDK's JVM-wide switch still refuses, with a fatal
   * handshake_failure alert. (Under the default policy tlsloop refuses first, without an alert: the
   * JDK runs its check in the delegated task after the unwrap that tlsloop notices.)
   */
  @Test
  void clientRenegotiationIsRefusedWhenTheJdkIsToldTo() throws Exception {
    ExternalProcess.require("openssl");
    try (ExternalProcess s =
        server(
            List.of("-Djdk.tls.rejectClientInitiatedRenegotiation=true"),
            "--port",
            "0",
            "--renegotiation",
            "allow",
            "--ca-out",
            dir.resolve("ca.pem").toString())) {
      Matcher m = s.awaitMatch(LISTENING, WAIT);
      try (ExternalProcess c =
          ExternalProcess.start(
              List.of(
                  "openssl",
                  "s_client",
                  "-connect",
                  "127.0.0.1:" + m.group(1),
                  "-CAfile",
                  m.group(2),
                  "-tls1_2"))) {
        c.await("Verify return code: 0 (ok)", WAIT);
        c.send("before");
        c.await("before\n", WAIT);
        c.send("R");
        c.await("alert handshake failure", WAIT);
        assertTrue(c.waitFor(WAIT) != 0);
      }
      s.await("Client initiated renegotiation is not allowed", WAIT);
    }
  }
}
