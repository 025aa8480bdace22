package dev.tlsloop.bench;

import dev.tlsloop.bench.peer.Fixture;
import dev.tlsloop.bench.peer.Peer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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

/**
 * Bulk transfer over one loopback connection, client to a server that drops what it reads. One
 * operation is one call: {@code 16384} or {@code 1024} bytes per {@code write}, or {@code
 * 64x16384}, one gathering write of 64 buffers (Netty: 63 writes and a writeAndFlush); over TLS 1.3
 * or, with {@code tls=1.2}, TLS 1.2. MB/s = ops/s × bytes per op / 10^6; {@link Suite} prints it
 * so. Both ends run in this JVM, so CPU time per op ({@code -prof
 * dev.tlsloop.bench.CpuTimeProfiler}) is the cost of both.
 *
 * <p>Warm-up is one 10 s iteration: the JDK's AES-GCM intrinsics need about 8 s of JIT.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 10)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djdk.tls.namedGroups=x25519,secp256r1"})
public class BulkBench {
  /** One connection of one peer, and the payload. */
  @State(Scope.Thread)
  public static class Bulk extends PeerState {
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

    /** {@code BYTES} per call, or {@code COUNTxBYTES} per gathering call. */
    @Param({"16384", "1024", "64x16384"})
    public String shape;

    /**
     * {@code 1.3}: TLS 1.3, TLS_AES_128_GCM_SHA256; {@code 1.2}: TLS 1.2,
     * TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (see {@link Fixture}). Ignored by {@code plain}.
     */
    @Param({"1.3", "1.2"})
    public String tls;

    ByteBuffer[] buffers;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      open(peer, Peer.ServerMode.SINK, protocol(tls));
      int count = count(shape);
      int bytes = bytes(shape);
      ByteBuffer one = impl.allocate(bytes);
      byte[] noise = new byte[bytes];
      new Random(42).nextBytes(noise);
      one.put(noise).flip();
      buffers = new ByteBuffer[count];
      for (int i = 0; i < count; i++) {
        buffers[i] = one.duplicate();
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      shut();
    }
  }

  /** The protocol name of the {@code tls} parameter. */
  static String protocol(String tls) {
    switch (tls) {
      case "1.3":
        return Fixture.TLS13;
      case "1.2":
        return Fixture.TLS12;
      default:
        throw new IllegalArgumentException("tls must be 1.3 or 1.2: " + tls);
    }
  }

  /** Buffers per call in {@code shape}. */
  static int count(String shape) {
    int x = shape.indexOf('x');
    return x < 0 ? 1 : Integer.parseInt(shape.substring(0, x));
  }

  /** Bytes per buffer in {@code shape}. */
  static int bytes(String shape) {
    int x = shape.indexOf('x');
    return Integer.parseInt(x < 0 ? shape : shape.substring(x + 1));
  }

  /** One write call (or one gathering call) of the shape's bytes. */
  @Benchmark
  public void bulk(Bulk s) throws IOException {
    ByteBuffer[] b = s.buffers;
    if (b.length == 1) {
      s.connection.write(b[0].clear());
      return;
    }
    for (ByteBuffer x : b) {
      x.clear();
    }
    s.connection.write(b);
  }
}
