package dev.tlsloop.bench;

import dev.tlsloop.bench.peer.Peer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * 64-byte ping-pong over one connection: the client writes 64 bytes, the server echoes them, the
 * client reads them. The score is round trips per second; every measured round trip also goes into
 * an HdrHistogram, whose percentiles are printed at the end of the trial and, when the system
 * property {@value #PERCENTILES_FILE} names a file, appended to it (the {@link Suite} prints them
 * under its table).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djdk.tls.namedGroups=x25519,secp256r1"})
public class LatencyBench {
  /** Where to append one line of percentiles per trial. */
  public static final String PERCENTILES_FILE = "tlsloop.bench.percentiles";

  /** One connection to an echo server, and the histogram of its measured round trips. */
  @State(Scope.Thread)
  public static class PingPong extends PeerState {
    @Param({
      "plain",
      "ceiling",
      "tlsloop",
      "tlsloop-nb",
      "tlsloop-conscrypt",
      "sslsocket",
      "tls-channel",
      "netty-jdk",
      "netty-openssl"
    })
    public String peer;

    ByteBuffer ping;
    ByteBuffer pong;

    /** Nanoseconds up to 10 s, three significant digits. */
    final Histogram histogram = new Histogram(10_000_000_000L, 3);

    boolean recording;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      open(peer, Peer.ServerMode.ECHO);
      ping = impl.allocate(64);
      pong = impl.allocate(64);
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
      recording = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      String line =
          String.format(
              Locale.ROOT,
              "latency %-18s n=%d  p50 %.1f µs  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f",
              peer,
              histogram.getTotalCount(),
              histogram.getValueAtPercentile(50) / 1e3,
              histogram.getValueAtPercentile(90) / 1e3,
              histogram.getValueAtPercentile(99) / 1e3,
              histogram.getValueAtPercentile(99.9) / 1e3,
              histogram.getMaxValue() / 1e3);
      System.out.println();
      System.out.println("# " + line);
      String file = System.getProperty(PERCENTILES_FILE);
      if (file != null) {
        try {
          Files.writeString(
              Path.of(file),
              line + System.lineSeparator(),
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      shut();
    }
  }

  /** One round trip of 64 bytes. */
  @Benchmark
  public void pingPong(PingPong s) throws IOException {
    long start = System.nanoTime();
    s.connection.echo(s.ping.clear(), s.pong.clear());
    long took = System.nanoTime() - start;
    if (s.recording) {
      s.histogram.recordValue(Math.min(took, 10_000_000_000L));
    }
  }
}
