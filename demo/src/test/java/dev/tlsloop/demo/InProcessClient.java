package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code demo client ...} run inside the test JVM on its own thread, with stdout and stderr
 * captured and (for {@code --stdin}) a pipe standing in for the terminal.
 */
final class InProcessClient implements AutoCloseable {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final PipedOutputStream stdin = new PipedOutputStream();
  private final CompletableFuture<Integer> exit;
  private final List<String> args;

  private InProcessClient(List<String> args, boolean interactive) throws IOException {
    this.args = args;
    InputStream in =
        interactive
            ? new PipedInputStream(stdin, 64 * 1024)
            : new ByteArrayInputStream(new byte[0]);
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
    exit = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                exit.complete(DemoClient.run(args, in, o, e));
              } catch (Throwable x) {
                exit.completeExceptionally(x);
              }
            },
            "demo client " + args);
    t.setDaemon(true);
    t.start();
  }

  /** Starts {@code demo client args}. */
  static InProcessClient start(String... args) throws IOException {
    List<String> list = Arrays.asList(args);
    return new InProcessClient(list, list.contains("--stdin"));
  }

  /** Runs {@code demo client args} to the end (at most 30 s) and returns it. */
  static InProcessClient run(String... args) throws Exception {
    InProcessClient c = start(args);
    c.exitCode(Duration.ofSeconds(30));
    return c;
  }

  /** What it printed on stdout. */
  String out() {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  /** What it printed on stderr. */
  String err() {
    synchronized (err) {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  /** Types a line on its stdin. */
  void type(String line) throws IOException {
    stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
  }

  /** Ends its stdin (like Ctrl-D). */
  void endInput() throws IOException {
    stdin.close();
  }

  /** Waits until stdout (or stderr, with {@code onErr}) contains {@code text}. */
  void await(String text, boolean onErr, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!(onErr ? err() : out()).contains(text)) {
      if (System.nanoTime() > deadline) {
        fail("client " + args + " did not print '" + text + "' in time;\n" + transcript());
      }
      if (exit.isDone() && !(onErr ? err() : out()).contains(text)) {
        fail("client " + args + " ended without printing '" + text + "';\n" + transcript());
      }
      Thread.sleep(20);
    }
  }

  /** Waits until stdout contains {@code text}. */
  void awaitOut(String text) throws InterruptedException {
    await(text, false, Duration.ofSeconds(15));
  }

  /** The exit status, waiting at most {@code timeout}. */
  int exitCode(Duration timeout) throws InterruptedException {
    try {
      return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      fail("client " + args + " did not finish within " + timeout + ";\n" + transcript());
      return -1;
    } catch (ExecutionException e) {
      throw new AssertionError("client crashed", e.getCause());
    }
  }

  /** The exit status (at most 30 s). */
  int exitCode() throws InterruptedException {
    return exitCode(Duration.ofSeconds(30));
  }

  /** Both streams, for failure messages. */
  String transcript() {
    return "--- stdout:\n" + out() + "\n--- stderr:\n" + err();
  }

  @Override
  public void close() throws IOException {
    OutputStream s = stdin;
    s.close();
  }
}
