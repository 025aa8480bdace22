package dev.tlsloop.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation, for hosts where wall-clock throughput is noise: on a shared machine the
 * benchmark thread is descheduled for a varying part of each iteration, but the CPU time it spends
 * per operation barely moves. Measures the whole benchmark JVM's CPU time (so GC and JIT threads
 * count too) over each iteration.
 *
 * <p>Use with {@code -prof dev.tlsloop.bench.CpuTimeProfiler}. Reports:
 *
 * <ul>
 *   <li>{@code cpu.time.norm}: CPU nanoseconds per operation. For the throughput benchmarks, 16384
 *       / cpu.time.norm × 1000 is MB (10^6 B) per CPU-second.
 *   <li>{@code cpu.share}: CPU time / wall time. About 1.0 for a one-thread benchmark that had a
 *       core to itself; well below 1.0 means the machine took the core away and the ops/s score of
 *       that run understates the code.
 * </ul>
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final com.sun.management.OperatingSystemMXBean os;
  private long cpuStartNs;
  private long wallStartNs;

  /** Called by JMH (profilers are loaded by class name). */
  public CpuTimeProfiler() {
    java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
    if (!(bean instanceof com.sun.management.OperatingSystemMXBean)) {
      throw new IllegalStateException("this JVM does not report process CPU time");
    }
    this.os = (com.sun.management.OperatingSystemMXBean) bean;
  }

  @Override
  public String getDescription() {
    return "JVM process CPU time per operation and CPU/wall share (for noisy hosts)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    cpuStartNs = os.getProcessCpuTime();
    wallStartNs = System.nanoTime();
  }

  @Override
  public Collection<? extends Result<?>> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long cpuNs = os.getProcessCpuTime() - cpuStartNs;
    long wallNs = System.nanoTime() - wallStartNs;
    // All ops, not only measured ones: the CPU time covers the iteration's ramp-up and -down too.
    long ops = result.getMetadata().getAllOps();
    double perOp = ops > 0 ? (double) cpuNs / ops : Double.NaN;
    double share = wallNs > 0 ? (double) cpuNs / wallNs : Double.NaN;
    return List.of(
        new ScalarResult("cpu.time.norm", perOp, "ns/op", AggregationPolicy.AVG),
        new ScalarResult("cpu.share", share, "ratio", AggregationPolicy.AVG));
  }
}
