package dev.tlsloop.bench;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.bench.peer.Fixture;
import dev.tlsloop.loop.CloseCause;
import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.LoopOptions;
import dev.tlsloop.loop.TlsHandler;
import dev.tlsloop.loop.TlsLoopGroup;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * Aggregate bulk throughput of many connections on tlsloop's event loop ({@link TlsLoopGroup}):
 * {@code conns} connections, all sending at once, served by {@code loops} loops ({@code 1}, or
 * {@code cores}: one per available processor). TLS 1.3, TLS_AES_128_GCM_SHA256.
 *
 * <p>Both ends are loop groups of the same size in this JVM: the server group sinks (counts and
 * drops every byte), the client group pumps (each connection re-fills its send queue with 16 KiB
 * sends whenever the loop says it is writable). So neither end is a thread per connection, and the
 * client costs what the server does, plus the encryption instead of the decryption: it cannot
 * dominate the way 100 blocking writer threads would.
 *
 * <p>One operation is {@link #BYTES_PER_OP} (1 MiB, 64 × 16 KiB) received by the server, summed
 * over all connections; the benchmark thread only waits for it, so it costs one wake-up per MiB.
 * MB/s = ops/s × 1 MiB / 10^6; CPU time per op (both ends) / 64 is the CPU per 16 KiB.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 10)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djdk.tls.namedGroups=x25519,secp256r1"})
public class ScalingBench {
  /** Plaintext the server receives per operation, over all connections: 64 × 16 KiB. */
  static final int BYTES_PER_OP = 64 * 16384;

  /** What each client send offers: one TLS record's worth. */
  static final int SEND_BYTES = 16384;

  /** Both groups, the connections between them, and the count of MiB received. */
  @State(Scope.Benchmark)
  public static class Groups {
    /** Concurrent connections. */
    @Param({"1", "10", "100"})
    public int conns;

    /** Loops per group: {@code 1}, or {@code cores} (one per available processor). */
    @Param({"1", "cores"})
    public String loops;

    TlsLoopGroup server;
    TlsLoopGroup clients;

    /** One permit per MiB the server received (summed over connections). */
    final Semaphore received = new Semaphore(0);

    /** The client senders check it so that none sends after shutdown starts. */
    volatile boolean stopping;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture f = Fixture.create();
      int n = loopCount(loops);
      LoopOptions options = LoopOptions.builder().loops(n).build();
      server = TlsLoopGroup.start(options);
      clients = TlsLoopGroup.start(options);
      TlsConfig serverConfig =
          TlsConfig.server(f.jdkServerContext())
              .protocols(f.protocol())
              .cipherSuites(f.suite())
              .build();
      InetSocketAddress at =
          server.listen(serverConfig, Fixture.loopback(0), () -> new Sink(received));
      TlsConfig clientConfig =
          TlsConfig.client(Fixture.HOST, at.getPort())
              .sslContext(f.jdkClientContext())
              .protocols(f.protocol())
              .cipherSuites(f.suite())
              .build();
      ByteBuffer payload = ByteBuffer.allocate(SEND_BYTES);
      byte[] noise = new byte[SEND_BYTES];
      new Random(42).nextBytes(noise);
      payload.put(noise).flip();
      CountDownLatch up = new CountDownLatch(conns);
      AtomicReference<String> negotiated = new AtomicReference<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      for (int i = 0; i < conns; i++) {
        clients.connect(
            clientConfig, at, new Pump(this, payload.duplicate(), up, f, negotiated, failure));
      }
      if (!up.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(up.getCount() + " of " + conns + " handshakes unfinished");
      }
      if (failure.get() != null) {
        throw new IllegalStateException("a client failed", failure.get());
      }
      System.out.println();
      System.out.println(
          "# scaling "
              + conns
              + " conns on "
              + n
              + " loop(s) per side negotiated: "
              + negotiated.get());
    }

    /** Permits left from between iterations would count as this iteration's operations. */
    @Setup(Level.Iteration)
    public void forgetBacklog() {
      received.drainPermits();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      stopping = true;
      try {
        if (clients != null) {
          clients.shutdown(Duration.ofSeconds(2));
        }
      } finally {
        if (server != null) {
          server.shutdown(Duration.ofSeconds(2));
        }
      }
    }
  }

  /** The number of loops {@code loops} names. */
  static int loopCount(String loops) {
    return "cores".equals(loops)
        ? Runtime.getRuntime().availableProcessors()
        : Integer.parseInt(loops);
  }

  /** Waits until the server has received another MiB, summed over all connections. */
  @Benchmark
  public void scaling(Groups g) throws InterruptedException {
    if (!g.received.tryAcquire(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("no MiB received in 30 s");
    }
  }

  /** Server side: drops every byte and releases one permit per MiB this connection received. */
  private static final class Sink implements TlsHandler {
    private final Semaphore received;
    private long bytes;

    Sink(Semaphore received) {
      this.received = received;
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      bytes += data.remaining();
      data.position(data.limit());
      if (bytes >= BYTES_PER_OP) {
        received.release((int) (bytes / BYTES_PER_OP));
        bytes %= BYTES_PER_OP;
      }
    }
  }

  /** Client side: keeps its send queue full with 16 KiB sends until the trial stops. */
  private static final class Pump implements TlsHandler {
    private final Groups groups;
    private final ByteBuffer payload;
    private final CountDownLatch up;
    private final Fixture fixture;
    private final AtomicReference<String> negotiated;
    private final AtomicReference<Throwable> failure;

    Pump(
        Groups groups,
        ByteBuffer payload,
        CountDownLatch up,
        Fixture fixture,
        AtomicReference<String> negotiated,
        AtomicReference<Throwable> failure) {
      this.groups = groups;
      this.payload = payload;
      this.up = up;
      this.fixture = fixture;
      this.negotiated = negotiated;
      this.failure = failure;
    }

    @Override
    public void onHandshake(LoopConnection conn) {
      try {
        negotiated.compareAndSet(null, fixture.negotiated(conn.session(), Fixture.JDK_GROUP));
      } catch (IllegalStateException e) {
        failure.compareAndSet(null, e);
      }
      up.countDown();
      fill(conn);
    }

    @Override
    public void onWritable(LoopConnection conn) {
      fill(conn);
    }

    /** Sends 16 KiB at a time until the queue is full; onWritable calls again at half. */
    private void fill(LoopConnection conn) {
      while (!groups.stopping && conn.send(payload.clear())) {
        // The queue took all 16 KiB: offer the next.
      }
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      data.position(data.limit());
    }

    @Override
    public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
      if (error != null && !groups.stopping) {
        failure.compareAndSet(null, error);
        up.countDown();
      }
    }
  }
}
