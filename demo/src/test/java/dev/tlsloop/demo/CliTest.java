package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line on picocli: help, typo suggestions, and the hand-written parser's rules. */
class CliTest {
  /** One {@code demo ...} run in this JVM: exit status and both streams. */
  private static final class Run {
    final int exit;
    final String out;
    final String err;

    Run(String... args) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      ByteArrayOutputStream e = new ByteArrayOutputStream();
      exit =
          Main.run(
              args,
              new ByteArrayInputStream(new byte[0]),
              new PrintStream(o, true, StandardCharsets.UTF_8),
              new PrintStream(e, true, StandardCharsets.UTF_8));
      out = o.toString(StandardCharsets.UTF_8);
      err = e.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void clientHelpListsEveryOptionAndExitsWithZero() {
    Run r = new Run("client", "--help");
    assertEquals(0, r.exit, r.err);
    assertEquals("", r.err);
    assertTrue(r.out.startsWith("usage: demo client [options] [HOST [PORT]]"), r.out);
    for (String option :
        List.of(
            "HOST",
            "PORT",
            "--message TEXT",
            "--http PATH",
            "--stdin",
            "--tls1.2",
            "--tls1.3",
            "--cacert FILE",
            "--cert FILE",
            "--key FILE",
            "--alpn P1,P2",
            "--timeout SECONDS",
            "--insecure",
            "--trace",
            "--help")) {
      assertTrue(r.out.contains(option), option + " missing from:\n" + r.out);
    }
    assertTrue(r.out.contains("(default 443)"), r.out);
    assertTrue(r.out.contains("(default 'Hello, server!')"), r.out);
  }

  @Test
  void serverHelpListsEveryOptionAndExitsWithZero() {
    Run r = new Run("server", "--help");
    assertEquals(0, r.exit, r.err);
    assertTrue(r.out.startsWith("usage: demo server [options]"), r.out);
    for (String option :
        List.of(
            "--port N",
            "--bind ADDR",
            "--http",
            "--cert FILE",
            "--key FILE",
            "--keystore FILE",
            "--storepass PASS",
            "--ca-out FILE",
            "--need-client-auth",
            "--client-ca FILE",
            "--tls1.2",
            "--tls1.3",
            "--alpn P1,P2",
            "--trace",
            "--help")) {
      assertTrue(r.out.contains(option), option + " missing from:\n" + r.out);
    }
    assertTrue(r.out.contains("(default 8443; 0 picks a free one)"), r.out);
    assertTrue(r.out.contains("(default 127.0.0.1)"), r.out);
  }

  @Test
  void topLevelHelpListsTheCommands() {
    for (String help : List.of("--help", "-h", "help")) {
      Run r = new Run(help);
      assertEquals(0, r.exit, r.err);
      assertTrue(r.out.contains("\n  client  "), r.out);
      assertTrue(r.out.contains("\n  server  "), r.out);
    }
    Run none = new Run();
    assertEquals(Failure.USAGE.exitCode, none.exit);
    assertTrue(none.err.startsWith("error: no command: use client or server\nusage:"), none.err);
  }

  @Test
  void aTypoInAnOptionExitsWithTheUsageCodeAndSuggestsTheOption() {
    // Swapped letters: picocli's own suggestions (shared letter pairs) find nothing here.
    Run r = new Run("server", "--prot", "0");
    assertEquals(Failure.USAGE.exitCode, r.exit);
    assertTrue(r.err.startsWith("error: Unknown options: '--prot', '0'\n"), r.err);
    assertTrue(r.err.contains("\ndid you mean --port?\nusage: demo server"), r.err);
    assertEquals("", r.out);
    // A dropped letter: picocli's suggestion.
    Run c = new Run("client", "--messge", "hi");
    assertEquals(Failure.USAGE.exitCode, c.exit);
    assertTrue(c.err.contains("\ndid you mean --message?\n"), c.err);
  }

  @Test
  void aTypoInTheCommandSuggestsTheCommand() {
    Run r = new Run("clinet");
    assertEquals(Failure.USAGE.exitCode, r.exit);
    assertTrue(r.err.contains("'clinet'"), r.err);
    assertTrue(r.err.contains("\ndid you mean client?\n"), r.err);
  }

  @Test
  void nothingCloseIsSuggestedForNonsense() {
    Run r = new Run("server", "--xyzzy");
    assertEquals(Failure.USAGE.exitCode, r.exit);
    assertFalse(r.err.contains("did you mean"), r.err);
  }

  @Test
  void defaultsAreUnchanged() throws Exception {
    DemoClient.Options c = DemoClient.Options.parse(List.of());
    assertNull(c.host);
    assertEquals(443, c.port);
    assertEquals(DemoClient.DEFAULT_MESSAGE, c.message);
    assertEquals(Duration.ofSeconds(10), c.timeout);
    assertNull(c.protocols);
    assertNull(c.alpn);
    assertFalse(c.insecure);
    DemoServer.Options s = DemoServer.Options.parse(List.of());
    assertEquals(8443, s.port);
    assertEquals("127.0.0.1", s.bind);
    assertFalse(s.http);
    assertNull(s.protocols);
  }

  @Test
  void everyOptionLandsInItsField() throws Exception {
    DemoClient.Options c =
        DemoClient.Options.parse(
            List.of(
                "--http",
                "/x",
                "--tls1.3",
                "--cacert",
                "ca.pem",
                "--cert",
                "c.pem",
                "--key",
                "k.pem",
                "--alpn",
                "h2,http/1.1",
                "--timeout",
                "3",
                "--trace",
                "example.org",
                "8443"));
    assertEquals("example.org", c.host);
    assertEquals(8443, c.port);
    assertEquals("/x", c.httpPath);
    assertArrayEquals(new String[] {"TLSv1.3"}, c.protocols);
    assertEquals(Path.of("ca.pem"), c.cacert);
    assertEquals(Path.of("c.pem"), c.cert);
    assertEquals(Path.of("k.pem"), c.key);
    assertArrayEquals(new String[] {"h2", "http/1.1"}, c.alpn);
    assertEquals(Duration.ofSeconds(3), c.timeout);
    assertTrue(c.trace);
    DemoServer.Options s =
        DemoServer.Options.parse(
            List.of(
                "--port",
                "0",
                "--bind",
                "::1",
                "--http",
                "--keystore",
                "k.p12",
                "--storepass",
                "pw",
                "--ca-out",
                "ca.pem",
                "--need-client-auth",
                "--client-ca",
                "cca.pem",
                "--tls1.2",
                "--alpn",
                "http/1.1",
                "--trace"));
    assertEquals(0, s.port);
    assertEquals("::1", s.bind);
    assertTrue(s.http);
    assertEquals(Path.of("k.p12"), s.keystore);
    assertArrayEquals("pw".toCharArray(), s.storepass);
    assertEquals(Path.of("ca.pem"), s.caOut);
    assertTrue(s.needClientAuth);
    assertEquals(Path.of("cca.pem"), s.clientCa);
    assertArrayEquals(new String[] {"TLSv1.2"}, s.protocols);
    assertArrayEquals(new String[] {"http/1.1"}, s.alpn);
    assertTrue(s.trace);
  }

  @Test
  void theLastOfARepeatedOptionWinsAsBefore() throws Exception {
    DemoServer.Options s =
        DemoServer.Options.parse(List.of("--port", "1", "--tls1.3", "--port", "2", "--tls1.2"));
    assertEquals(2, s.port);
    assertArrayEquals(new String[] {"TLSv1.2"}, s.protocols);
    DemoClient.Options c = DemoClient.Options.parse(List.of("--tls1.2", "--tls1.3"));
    assertArrayEquals(new String[] {"TLSv1.3"}, c.protocols);
  }

  @Test
  void aValueMayLookLikeAnOptionAsBefore() throws Exception {
    DemoClient.Options c = DemoClient.Options.parse(List.of("--message", "--trace"));
    assertEquals("--trace", c.message);
    assertFalse(c.trace);
  }

  @Test
  void anAtSignArgumentIsNotReadAsAFileOfArguments() throws Exception {
    // picocli's default would replace "@FILE" by the arguments in FILE.
    DemoClient.Options c = DemoClient.Options.parse(List.of("@/etc/hostname"));
    assertEquals("@/etc/hostname", c.host);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "client --cert c.pem localhost | --cert and --key go together",
        "client --stdin --http / localhost | use either --stdin or --http",
        "client --stdin --resume | use either --stdin or --resume",
        "client --client-auth localhost | --client-auth is for the embedded server (no HOST, no --cert)",
        "client --insecure | --cacert/--insecure need a HOST",
        "client --cacert ca.pem | --cacert/--insecure need a HOST",
        "client --http x localhost | --http needs a path starting with /",
        "client --timeout 86401 localhost | --timeout must be between 0 and 86400: 86401",
        "client --timeout -1 localhost | --timeout must be between 0 and 86400: -1",
        "client --timeout x localhost | Invalid value for option '--timeout': 'x' is not an int",
        "client localhost 0 | PORT out of range: 0",
        "client localhost 65536 | PORT out of range: 65536",
        "client localhost http | "
            + "Invalid value for positional parameter at index 1 (PORT): 'http' is not an int",
        "client a 1 b | Unmatched argument at index 2: 'b'",
        "client --message | Missing required parameter for option '--message' (TEXT)",
        "server --port 65536 | --port must be between 0 and 65535: 65536",
        "server --port -1 | --port must be between 0 and 65535: -1",
        "server --key k.pem | --cert and --key go together",
        "server --keystore k.p12 | --keystore needs --storepass",
        "server --keystore k.p12 --storepass p --cert c --key k |"
            + " use either --cert/--key or --keystore",
        "server --client-ca ca.pem | --client-ca only makes sense with --need-client-auth",
        "server --need-client-auth --cert c --key k |"
            + " --need-client-auth with your own certificate needs --client-ca",
        "server extra | Unmatched argument at index 0: 'extra'",
      })
  void usageErrorsExitWithTheUsageCodeAndSayWhy(String command, String message) {
    Run r = new Run(command.split(" "));
    assertEquals(Failure.USAGE.exitCode, r.exit, r.err);
    String first = r.err.split("\n")[0];
    assertEquals("error: " + message, first, r.err);
    assertTrue(r.err.contains("\nusage: demo " + command.split(" ")[0]), r.err);
  }

  @Test
  void parseThrowsWhatRunPrints() {
    Cli.UsageException e =
        assertThrows(
            Cli.UsageException.class,
            () -> DemoServer.Options.parse(Arrays.asList("--cert", "c.pem")));
    assertEquals("--cert and --key go together", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"prot,port,1", "port,port,0", "prt,port,1", "trcae,trace,1", "ab,ba,1", "x,port,4"})
  void editDistanceCountsASwapAsOneEdit(String a, String b, int distance) {
    assertEquals(distance, Cli.editDistance(a, b));
  }

  @Test
  void aOneLetterNameIsOnlySuggestedForItself() {
    assertFalse(Cli.closeEnough("--x", "-h"));
    assertTrue(Cli.closeEnough("--prot", "--port"));
    assertFalse(Cli.closeEnough("--pr", "--port"));
  }
}
