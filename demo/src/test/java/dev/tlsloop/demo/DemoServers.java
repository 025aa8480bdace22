package dev.tlsloop.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A {@link DemoServer} started in the test JVM, its output captured. */
final class DemoServers implements AutoCloseable {
  final DemoServer server;
  final Path ca;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private DemoServers(Path dir, String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("--port", "0"));
    argv.addAll(Arrays.asList(args));
    if (!argv.contains("--cert") && !argv.contains("--keystore")) {
      argv.addAll(List.of("--ca-out", dir.resolve("demo-server-ca.pem").toString()));
    }
    server =
        DemoServer.start(
            DemoServer.Options.parse(argv),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    ca = server.caFile();
  }

  /** {@code demo server --port 0 args} (with a generated CA written into {@code dir}). */
  static DemoServers start(Path dir, String... args) throws Exception {
    return new DemoServers(dir, args);
  }

  int port() {
    return server.port();
  }

  String out() {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  String err() {
    synchronized (err) {
      return err.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
