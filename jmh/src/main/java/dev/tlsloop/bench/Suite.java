package dev.tlsloop.bench;

import dev.tlsloop.bench.peer.Fixture;
import dev.tlsloop.bench.peer.Peers;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the peer benchmarks and prints one table: each benchmark, each peer, the figure, its ratio
 * to tlsloop and to the ceiling. {@code jmh/run} calls it; so does the CI smoke test.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.tlsloop.bench.Suite --quick|--full [--out DIR]
 * </pre>
 */
public final class Suite {
  /** How much to run and for how long. */
  public enum Plan {
    /** CI: every TLS 1.3 row of one bulk shape and a few others, in process, ~100 ms each. */
    SMOKE,
    /** A TLS 1.3 subset under 10 minutes on 2 cores. */
    QUICK,
    /** Everything, longer measurement. */
    FULL
  }

  /**
   * One JMH run: benchmark regex, parameter values, timings. Its rows are the values of its {@code
   * peer} parameter, or, for benchmarks without one, the fixed {@link #rows}.
   */
  private static final class Run {
    final String include;
    final Map<String, String[]> params = new LinkedHashMap<>();
    String[] rows;
    final int warmupSeconds;
    final int iterations;
    final int seconds;

    Run(String include, int warmupSeconds, int iterations, int seconds) {
      this.include = include;
      this.warmupSeconds = warmupSeconds;
      this.iterations = iterations;
      this.seconds = seconds;
    }

    Run param(String name, String... values) {
      params.put(name, values);
      return this;
    }

    /** Rows of a benchmark without a peer parameter, named as {@link #row} names them. */
    Run rows(String... names) {
      rows = names;
      return this;
    }

    String[] rowNames() {
      return rows != null ? rows : params.get("peer");
    }
  }

  /** The TLS 1.2 bulk rows: tlsloop, its baselines, and the peers on the same JDK engine. */
  private static final String[] TLS12_PEERS = {
    "plain", "ceiling", "tlsloop", "sslsocket", "tls-channel", "netty-jdk"
  };

  /** Parameters that split a benchmark into table labels, in label order. */
  private static final String[] LABEL_PARAMS = {"shape", "tls", "kind", "conns", "loops"};

  private static final String[] HANDSHAKE_PEERS_QUICK = {
    "ceiling", "tlsloop", "sslsocket", "tls-channel", "netty-jdk"
  };

  private Suite() {}

  public static void main(String[] args) throws Exception {
    Plan plan = Plan.QUICK;
    Path out = Path.of("jmh", "target", "suite");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick":
          plan = Plan.QUICK;
          break;
        case "--full":
          plan = Plan.FULL;
          break;
        case "--smoke":
          plan = Plan.SMOKE;
          break;
        case "--out":
          out = Path.of(args[++i]);
          break;
        default:
          System.err.println("usage: Suite [--quick|--full|--smoke] [--out DIR]");
          System.exit(2);
      }
    }
    Report r = run(plan, out);
    System.out.println();
    System.out.print(r.table);
    System.out.println("JMH JSON: " + out.resolve("results.json"));
  }

  /** The results and the printed table of one suite run. */
  public static final class Report {
    /** Every row that ran, keyed by its table label. */
    public final Map<String, RunResult> results;

    /** Rows that could not run here, with the reason. */
    public final Map<String, String> unavailable;

    /** Labels of every row the plan asked for. */
    public final List<String> planned;

    /** The table. */
    public final String table;

    Report(
        Map<String, RunResult> results,
        Map<String, String> unavailable,
        List<String> planned,
        String table) {
      this.results = results;
      this.unavailable = unavailable;
      this.planned = planned;
      this.table = table;
    }
  }

  /** Runs {@code plan}; JMH JSON and latency percentiles go to {@code outDir}. */
  public static Report run(Plan plan, Path outDir) throws RunnerException, IOException {
    Files.createDirectories(outDir);
    Path percentiles = outDir.resolve("latency-percentiles.txt");
    Files.deleteIfExists(percentiles);
    List<Run> runs = runs(plan);
    Map<String, String> unavailable = new LinkedHashMap<>();
    List<String> planned = new ArrayList<>();
    List<RunResult> all = new ArrayList<>();
    for (Run run : runs) {
      List<String> peers = new ArrayList<>();
      for (String p : run.rowNames()) {
        Optional<String> why = Peers.unavailability(p);
        for (String label : labels(run, p)) {
          planned.add(label);
          why.ifPresent(w -> unavailable.put(label, w));
        }
        if (why.isEmpty()) {
          peers.add(p);
        }
      }
      if (peers.isEmpty()) {
        continue;
      }
      ChainedOptionsBuilder o =
          new OptionsBuilder()
              .include(run.include)
              .shouldFailOnError(false)
              .warmupIterations(1)
              .warmupTime(seconds(plan, run.warmupSeconds))
              .measurementIterations(run.iterations)
              .measurementTime(seconds(plan, run.seconds))
              .jvmArgsAppend(
                  "-Xms1g",
                  "-Xmx1g",
                  "-Djdk.tls.namedGroups=" + Fixture.NAMED_GROUPS,
                  "-D" + LatencyBench.PERCENTILES_FILE + "=" + percentiles.toAbsolutePath());
      if (run.rows == null) {
        o.param("peer", peers.toArray(new String[0]));
      }
      for (Map.Entry<String, String[]> e : run.params.entrySet()) {
        if (!e.getKey().equals("peer")) {
          o.param(e.getKey(), e.getValue());
        }
      }
      if (plan == Plan.SMOKE) {
        // In process: the surefire JVM has no forks to spare the time for.
        System.setProperty(LatencyBench.PERCENTILES_FILE, percentiles.toAbsolutePath().toString());
        o.forks(0);
      } else {
        o.forks(1).addProfiler("gc").addProfiler(CpuTimeProfiler.class);
      }
      all.addAll(new Runner(o.build()).run());
    }
    File json = outDir.resolve("results.json").toFile();
    ResultFormatFactory.getInstance(ResultFormatType.JSON, json.getPath()).writeOut(all);
    Map<String, RunResult> byLabel = new LinkedHashMap<>();
    for (RunResult r : all) {
      byLabel.put(label(r), r);
    }
    String table = table(planned, byLabel, unavailable, percentiles);
    Files.writeString(outDir.resolve("table.txt"), table, StandardCharsets.UTF_8);
    return new Report(byLabel, unavailable, planned, table);
  }

  private static TimeValue seconds(Plan plan, int s) {
    return plan == Plan.SMOKE ? TimeValue.milliseconds(100) : TimeValue.seconds(s);
  }

  private static List<Run> runs(Plan plan) {
    String[] all = Peers.ALL.toArray(new String[0]);
    List<Run> runs = new ArrayList<>();
    switch (plan) {
      case SMOKE:
        runs.add(
            new Run("BulkBench", 1, 1, 1)
                .param("peer", all)
                .param("shape", "16384")
                .param("tls", "1.3"));
        runs.add(
            new Run("BulkBench", 1, 1, 1)
                .param("peer", TLS12_PEERS)
                .param("shape", "16384")
                .param("tls", "1.2"));
        runs.add(memory(1, 1, 1));
        runs.add(
            new Run("ScalingBench", 1, 1, 1)
                .rows("tlsloop")
                .param("conns", "10")
                .param("loops", "1"));
        runs.add(
            new Run("HandshakeBench", 1, 1, 1)
                .param("peer", "tlsloop", "sslsocket")
                .param("kind", "full", "resumed"));
        runs.add(new Run("LatencyBench", 1, 1, 1).param("peer", "tlsloop", "netty-jdk"));
        break;
      case QUICK:
        runs.add(
            new Run("BulkBench", 10, 2, 2)
                .param("peer", all)
                .param("shape", "16384", "64x16384")
                .param("tls", "1.3"));
        runs.add(new Run("HandshakeBench", 3, 2, 1).param("peer", all).param("kind", "full"));
        runs.add(
            new Run("HandshakeBench", 3, 2, 1)
                .param("peer", HANDSHAKE_PEERS_QUICK)
                .param("kind", "resumed"));
        runs.add(new Run("LatencyBench", 3, 2, 1).param("peer", all));
        break;
      case FULL:
        runs.add(
            new Run("BulkBench", 10, 5, 2)
                .param("peer", all)
                .param("shape", "16384", "1024", "64x16384")
                .param("tls", "1.3"));
        runs.add(
            new Run("BulkBench", 10, 5, 2)
                .param("peer", TLS12_PEERS)
                .param("shape", "16384", "64x16384")
                .param("tls", "1.2"));
        runs.add(memory(10, 5, 2));
        runs.add(
            new Run("ScalingBench", 10, 5, 2)
                .rows("tlsloop")
                .param("conns", "1", "10", "100")
                .param("loops", "1", "cores"));
        runs.add(
            new Run("HandshakeBench", 10, 5, 2)
                .param("peer", all)
                .param("kind", "full", "resumed"));
        runs.add(new Run("LatencyBench", 10, 5, 2).param("peer", all));
        break;
      default:
        throw new IllegalArgumentException(plan.toString());
    }
    return runs;
  }

  /**
   * The in-memory pair, heap buffers: the raw engines as {@code ceiling}, tlsloop as {@code
   * tlsloop}, both paying the same link copies (see {@link TlsThroughputBench}).
   */
  private static Run memory(int warmupSeconds, int iterations, int seconds) {
    return new Run(
            TlsThroughputBench.class.getSimpleName() + "\\.(rawEngine|tlsloop)$",
            warmupSeconds,
            iterations,
            seconds)
        .rows("ceiling", "tlsloop")
        .param("buffers", "heap");
  }

  /** The table labels one peer gets in one run (one per combination of the other params). */
  private static List<String> labels(Run run, String peer) {
    List<String> labels = new ArrayList<>();
    labels.add(family(run.include));
    for (String key : LABEL_PARAMS) {
      String[] values = run.params.get(key);
      if (values == null) {
        continue;
      }
      List<String> next = new ArrayList<>();
      for (String l : labels) {
        for (String v : values) {
          next.add(l + labelPart(key, v));
        }
      }
      labels = next;
    }
    List<String> out = new ArrayList<>();
    for (String l : labels) {
      out.add(l + "|" + peer);
    }
    return out;
  }

  private static String family(String benchmark) {
    if (benchmark.contains("Bulk")) {
      return "bulk";
    }
    if (benchmark.contains("Handshake")) {
      return "handshake";
    }
    if (benchmark.contains("TlsThroughput")) {
      return "memory " + TlsThroughputBench.CHUNK_BYTES;
    }
    if (benchmark.contains("Scaling")) {
      return "scaling";
    }
    return "latency 64 B";
  }

  /** How one parameter value reads in a label; TLS 1.3, the default, is left unsaid. */
  private static String labelPart(String key, String value) {
    switch (key) {
      case "tls":
        return "1.3".equals(value) ? "" : " TLS" + value;
      case "conns":
        return " " + value + " conn";
      case "loops":
        return "cores".equals(value) ? " loop/core" : " " + value + " loop";
      default:
        return " " + value;
    }
  }

  private static String label(RunResult r) {
    StringBuilder sb = new StringBuilder(family(r.getParams().getBenchmark()));
    for (String key : LABEL_PARAMS) {
      String v = r.getParams().getParam(key);
      if (v != null) {
        sb.append(labelPart(key, v));
      }
    }
    return sb.append('|').append(row(r)).toString();
  }

  /** The row (peer column) of a result: its peer, or what its benchmark method measures. */
  private static String row(RunResult r) {
    String peer = r.getParams().getParam("peer");
    if (peer != null) {
      return peer;
    }
    String method = r.getParams().getBenchmark();
    return method.endsWith(".rawEngine") ? "ceiling" : "tlsloop";
  }

  /** Plaintext bytes one operation moves; 0 for benchmarks counted in connections or trips. */
  private static long bytesPerOp(RunResult r) {
    String benchmark = r.getParams().getBenchmark();
    String shape = r.getParams().getParam("shape");
    if (shape != null) {
      return (long) BulkBench.count(shape) * BulkBench.bytes(shape);
    }
    if (benchmark.contains("TlsThroughput")) {
      return TlsThroughputBench.CHUNK_BYTES;
    }
    if (benchmark.contains("Scaling")) {
      return ScalingBench.BYTES_PER_OP;
    }
    return 0;
  }

  /** The row's figure in its table unit: MB/s for byte counts, per second otherwise. */
  private static double figure(RunResult r) {
    double opsPerSecond = r.getPrimaryResult().getScore();
    long bytes = bytesPerOp(r);
    return bytes == 0 ? opsPerSecond : opsPerSecond * bytes / 1e6;
  }

  private static String unit(String label) {
    if (label.startsWith("bulk") || label.startsWith("memory") || label.startsWith("scaling")) {
      return "MB/s";
    }
    return label.startsWith("handshake") ? "conn/s" : "rtt/s";
  }

  private static String table(
      List<String> planned,
      Map<String, RunResult> results,
      Map<String, String> unavailable,
      Path percentiles)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    PrintStreamish p = new PrintStreamish(sb);
    p.line(
        "%-26s %-18s %10s %-7s %7s %7s %10s %10s  %s",
        "benchmark",
        "peer",
        "figure",
        "unit",
        "/tlsloop",
        "/ceiling",
        "cpu µs/op",
        "alloc B/op",
        "notes");
    for (String label : planned) {
      String bench = label.substring(0, label.indexOf('|'));
      String peer = label.substring(label.indexOf('|') + 1);
      RunResult r = results.get(label);
      if (r == null) {
        String why = unavailable.get(label);
        p.line(
            "%-26s %-18s %10s %-7s %7s %7s %10s %10s  %s",
            bench,
            peer,
            "-",
            unit(label),
            "-",
            "-",
            "-",
            "-",
            why != null ? "unavailable: " + why : "failed: no result (see the JMH log)");
        continue;
      }
      double fig = figure(r);
      RunResult loop = results.get(bench + "|tlsloop");
      RunResult ceiling = results.get(bench + "|ceiling");
      p.line(
          "%-26s %-18s %10.1f %-7s %7s %7s %10s %10s  %s",
          bench,
          peer,
          fig,
          unit(label),
          ratio(fig, loop),
          ratio(fig, ceiling),
          secondary(r, "cpu.time.norm", 1e-3, "%.1f"),
          secondary(r, "gc.alloc.rate.norm", 1, "%.0f"),
          notes(r, results));
    }
    sb.append(
        "figure: bulk MB/s = ops/s × bytes per op / 10^6; handshake = connections/s; latency ="
            + " round trips/s.\n"
            + "/tlsloop, /ceiling: figure ÷ that row's figure in the same benchmark (ceiling = two"
            + " bare JDK SSLEngines in memory, one thread).\n"
            + "cpu µs/op: whole-JVM CPU time (client, server, GC, JIT) per op; alloc: bytes"
            + " allocated per op (-prof gc).\n");
    if (Files.exists(percentiles)) {
      sb.append('\n');
      for (String line : Files.readAllLines(percentiles, StandardCharsets.UTF_8)) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }

  private static String ratio(double fig, RunResult base) {
    if (base == null) {
      return "-";
    }
    double b = figure(base);
    return b > 0 ? String.format(Locale.ROOT, "%.2f", fig / b) : "-";
  }

  private static String secondary(RunResult r, String name, double scale, String format) {
    Result<?> s = r.getSecondaryResults().get(name);
    return s == null ? "-" : String.format(Locale.ROOT, format, s.getScore() * scale);
  }

  private static String notes(RunResult r, Map<String, RunResult> results) {
    Result<?> cpu = r.getSecondaryResults().get("cpu.time.norm");
    Result<?> full = r.getSecondaryResults().get("fullHandshakes");
    Result<?> conns = r.getSecondaryResults().get("connections");
    Result<?> share = r.getSecondaryResults().get("cpu.share");
    StringBuilder sb = new StringBuilder();
    if (full != null && conns != null) {
      sb.append(
          String.format(
              Locale.ROOT,
              "full handshakes %.0f of %.0f connections",
              full.getScore(),
              conns.getScore()));
    }
    long bytes = bytesPerOp(r);
    if (cpu != null && bytes > 16384) {
      // Batched and scaling ops move many 16 KiB: the per-16 KiB CPU compares with the other rows.
      sb.append(sb.length() > 0 ? "; " : "")
          .append(
              String.format(
                  Locale.ROOT, "cpu µs/16 KiB %.1f", cpu.getScore() * 1e-3 * 16384 / bytes));
    }
    String connections = r.getParams().getParam("conns");
    if (connections != null && !"1".equals(connections)) {
      String one = label(r).replace(" " + connections + " conn", " 1 conn");
      RunResult single = results.get(one);
      if (single != null) {
        sb.append(sb.length() > 0 ? "; " : "")
            .append(String.format(Locale.ROOT, "x1 conn %.2f", figure(r) / figure(single)));
      }
    }
    if (share != null) {
      sb.append(sb.length() > 0 ? "; " : "")
          .append(String.format(Locale.ROOT, "cpu share %.2f", share.getScore()));
    }
    return sb.toString();
  }

  /** Appends formatted lines to a StringBuilder. */
  private static final class PrintStreamish {
    private final StringBuilder sb;

    PrintStreamish(StringBuilder sb) {
      this.sb = sb;
    }

    void line(String format, Object... args) {
      sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
  }
}
