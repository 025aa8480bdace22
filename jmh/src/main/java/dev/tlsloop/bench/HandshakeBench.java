package dev.tlsloop.bench;

import dev.tlsloop.bench.peer.Peer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Connections per second, sequential: connect, TLS 1.3 handshake, one 64-byte echo, close. {@code
 * full} forgets each session so the next connection cannot resume it; {@code resumed} keeps the
 * client's session cache (one full handshake in set-up, PSK resumption afterwards, RFC 8446 section
 * 2.2). The echo makes every connection wait for the server's first flight after the handshake,
 * which carries the NewSessionTicket the next resumption needs.
 *
 * <p>Secondary results {@code fullHandshakes} and {@code connections} count what actually happened
 * (the client's certificate checks: a resumed handshake has none), so a resumption that silently
 * fails shows as fullHandshakes = connections.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djdk.tls.namedGroups=x25519,secp256r1"})
public class HandshakeBench {
  /** The peer's server; a fresh client connection per operation. */
  @State(Scope.Thread)
  public static class Connect extends PeerState {
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

    /** {@code full} or {@code resumed}. */
    @Param({"full", "resumed"})
    public String kind;

    boolean full;
    final ByteBuffer ping = ByteBuffer.allocate(64);
    final ByteBuffer pong = ByteBuffer.allocate(64);
    long totalConnections;
    long totalFull;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      switch (kind) {
        case "full":
          full = true;
          break;
        case "resumed":
          full = false;
          break;
        default:
          throw new IllegalArgumentException("kind must be full or resumed: " + kind);
      }
      open(peer, Peer.ServerMode.ECHO);
      // The set-up connection's echo brings the ticket; then it goes, as every op's will.
      connection.echo(ping.clear(), pong.clear());
      if (full) {
        connection.forgetSession();
      }
      connection.close();
      connection = null;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      System.out.println();
      System.out.println(
          "# "
              + peer
              + " "
              + kind
              + ": "
              + totalFull
              + " full handshakes in "
              + totalConnections
              + " connections");
      shut();
    }
  }

  /** What happened in one iteration; JMH reports the sums as secondary results. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counts {
    public long fullHandshakes;
    public long connections;

    @Setup(Level.Iteration)
    public void reset() {
      fullHandshakes = 0;
      connections = 0;
    }
  }

  /** One connection: connect, handshake, 64-byte echo, close. */
  @Benchmark
  public void connect(Connect s, Counts counts) throws IOException {
    long before = s.fixture.fullHandshakes();
    try (Peer.Connection c = s.impl.connect()) {
      c.echo(s.ping.clear(), s.pong.clear());
      if (s.full) {
        c.forgetSession();
      }
    }
    long full = s.fixture.fullHandshakes() - before;
    counts.fullHandshakes += full;
    counts.connections++;
    s.totalFull += full;
    s.totalConnections++;
  }
}
