package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real peer (openssl, curl) run as a child process: stdout and stderr collected together, stdin
 * writable, every wait bounded, and always destroyed by {@link #close()}.
 */
final class ExternalProcess implements AutoCloseable {
  private static final Pattern ACCEPT = Pattern.compile("ACCEPT (\\S+):(\\d+)");

  private final List<String> command;
  private final Process process;
  private final ByteArrayOutputStream output = new ByteArrayOutputStream();
  private final Thread pump;

  private ExternalProcess(List<String> command, File dir) throws IOException {
    this.command = command;
    List<String> argv = new ArrayList<>(command);
    if (onPath("stdbuf")) {
      // openssl writes its trace through stdio, fully buffered into a pipe: without line
      // buffering a test could wait for a line that sits in the child's buffer.
      argv.addAll(0, List.of("stdbuf", "-oL", "-eL"));
    }
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir);
    }
    this.process = pb.start();
    this.pump = new Thread(this::collect, "output of " + command.get(0));
    pump.setDaemon(true);
    pump.start();
  }

  /** Starts {@code command}; fails the test with a clear message if the binary is missing. */
  static ExternalProcess start(File dir, String... command) throws IOException {
    require(command[0]);
    return new ExternalProcess(List.of(command), dir);
  }

  /** Starts {@code command} with its arguments. */
  static ExternalProcess start(List<String> command) throws IOException {
    require(command.get(0));
    return new ExternalProcess(new ArrayList<>(command), null);
  }

  /** Fails (never skips) when a tool the real-peer tests need is not installed. */
  static void require(String binary) {
    if (onPath(binary)) {
      return;
    }
    fail(
        "'"
            + binary
            + "' is not on the PATH: these tests talk to a real "
            + binary
            + " peer and must not be skipped (install it, e.g. apt-get install "
            + binary
            + ", as .ci/run does)");
  }

  private static boolean onPath(String binary) {
    if (binary.contains(File.separator)) {
      return new File(binary).canExecute();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (new File(dir, binary).canExecute()) {
        return true;
      }
    }
    return false;
  }

  private void collect() {
    byte[] buf = new byte[8192];
    try (InputStream in = process.getInputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        synchronized (output) {
          output.write(buf, 0, n);
          output.notifyAll();
        }
      }
    } catch (IOException e) {
      // Process gone.
    } finally {
      synchronized (output) {
        output.notifyAll();
      }
    }
  }

  /** Everything printed so far. */
  String output() {
    synchronized (output) {
      return output.toString(StandardCharsets.UTF_8);
    }
  }

  /** Waits until the output contains {@code text}; fails the test after {@code timeout}. */
  String await(String text, Duration timeout) throws InterruptedException {
    return awaitMatch(Pattern.compile(Pattern.quote(text)), timeout).group();
  }

  /** Waits until the output matches {@code pattern}; fails the test after {@code timeout}. */
  Matcher awaitMatch(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (output) {
      while (true) {
        Matcher m = pattern.matcher(output.toString(StandardCharsets.UTF_8));
        if (m.find()) {
          return m;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail(
              "timed out after "
                  + timeout.toMillis()
                  + " ms waiting for /"
                  + pattern
                  + "/ from "
                  + command
                  + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
                  + "; output so far:\n"
                  + tail(output.toString(StandardCharsets.UTF_8)));
        }
        output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
  }

  /** For {@code openssl s_server -accept 127.0.0.1:0}: the port it prints on its ACCEPT line. */
  int acceptPort() throws InterruptedException {
    return Integer.parseInt(awaitMatch(ACCEPT, Duration.ofSeconds(10)).group(2));
  }

  /** Writes a line (plus newline) to the process's stdin. */
  void send(String line) throws IOException {
    OutputStream in = process.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Closes the process's stdin (EOF). */
  void closeInput() throws IOException {
    process.getOutputStream().close();
  }

  /** Whether the process still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to exit; fails after {@code timeout}. Returns its exit status. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      fail(
          command
              + " did not exit within "
              + timeout.toMillis()
              + " ms; output:\n"
              + tail(output()));
    }
    pump.join(2000);
    return process.exitValue();
  }

  /**
   * Asks the process to stop (SIGTERM: a JVM runs its shutdown hooks) and keeps reading what it
   * prints meanwhile. ({@code Process.destroy()} would also close our end of its output.)
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Kills the process at once: its sockets end with a plain TCP FIN, no TLS close_notify. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  private static String tail(String s) {
    return s.length() <= 6000 ? s : "..." + s.substring(s.length() - 6000);
  }
}
