package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as its own process under a low file-descriptor limit, flooded with idle connections:
 * accept() fails with "Too many open files", and the server goes on. (Before the loop, the first
 * failed accept ended the server's only thread, and the process with it.)
 */
@Timeout(60)
class ServerResilienceTest {
  /** Descriptors the server process may open: far fewer than the flood. */
  private static final int FD_LIMIT = 256;

  private static final int IDLE = 500;

  @TempDir Path dir;

  @Test
  void aFloodOfIdleConnectionsBeyondTheFdLimitLeavesTheServerAnsweringAHealthyClient()
      throws Exception {
    Path ca = dir.resolve("ca.pem");
    String java =
        ServerProcessTest.serverCommand(
                jarredClassPath(),
                List.of(),
                "--port",
                "0",
                "--ca-out",
                ca.toString(),
                "--max-conns",
                "1000",
                "--handshake-timeout",
                "2",
                "--loops",
                "1")
            .stream()
            .map(ServerResilienceTest::quote)
            .collect(Collectors.joining(" "));
    List<SocketChannel> idle = new ArrayList<>();
    long t0 = System.nanoTime();
    try (ExternalProcess s =
        ExternalProcess.start(
            List.of("bash", "-c", "ulimit -n " + FD_LIMIT + " && exec " + java))) {
      Matcher m = s.awaitMatch(ServerProcessTest.LISTENING, Duration.ofSeconds(20));
      int port = Integer.parseInt(m.group(1));
      for (int i = 0; i < IDLE; i++) {
        // Connected by the kernel (backlog), then silent: each holds a server descriptor once
        // accepted, until the 2 s handshake timeout frees it.
        SocketChannel ch = SocketChannel.open();
        ch.configureBlocking(false);
        ch.connect(new InetSocketAddress("127.0.0.1", port));
        idle.add(ch);
      }
      s.await("accept failed", Duration.ofSeconds(20));

      InProcessClient c =
          InProcessClient.run(
              "--cacert",
              ca.toString(),
              "--timeout",
              "30",
              "--message",
              "still there?",
              "localhost",
              "" + port);
      assertEquals(0, c.exitCode(), c.transcript() + "\n--- server:\n" + tail(s.output()));
      assertEquals("still there?\n", c.out());
      assertTrue(s.isAlive(), "the server still runs:\n" + tail(s.output()));

      long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
      int warnings = count(s.output(), "accept failed");
      assertTrue(
          warnings >= 1 && warnings <= seconds + 1,
          warnings + " accept-failure warnings in " + seconds + " s:\n" + tail(s.output()));
      assertTrue(
          s.output().contains("Too many open files"), "the limit was hit:\n" + tail(s.output()));
    } finally {
      for (SocketChannel ch : idle) {
        ch.close();
      }
    }
  }

  /**
   * This test's class path with each directory packed into a jar, as users run the demo (one shaded
   * jar). A class is loaded from an open jar without a new descriptor, but from a directory only by
   * opening its file: under this test's shortage the first class of a failure path (say {@code
   * TlsTimeoutException$Kind}) would not load, and the NoClassDefFoundError ends the loop thread,
   * which catches exceptions only.
   */
  private String jarredClassPath() throws IOException {
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (!Files.isDirectory(p)) {
        entries.add(entry);
        continue;
      }
      Path jar = dir.resolve("classes-" + n++ + ".jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
          Stream<Path> files = Files.walk(p)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          out.putNextEntry(
              new JarEntry(p.relativize(f).toString().replace(File.separatorChar, '/')));
          Files.copy(f, out);
          out.closeEntry();
        }
      }
      entries.add(jar.toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  private static String quote(String arg) {
    return "'" + arg.replace("'", "'\\''") + "'";
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  private static String tail(String s) {
    return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
  }
}
