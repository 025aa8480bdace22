package dev.tlsloop.bench;

import dev.tlsloop.BufferAllocator;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
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
 * Bulk throughput, client to server, 16 KiB of application data per operation, both ends in one
 * thread, TLS 1.3 with TLS_AES_128_GCM_SHA256. MB/s = ops/s × 16384 / 10^6.
 *
 * <ul>
 *   <li>{@link #rawEngine}: the ceiling. Two bare {@link SSLEngine}s; wrap the 16 KiB into a
 *       buffer, hand the ciphertext through a {@link MemoryLink} into a second buffer, unwrap it on
 *       the other side. No state machine, no checks beyond the status.
 *   <li>{@link #tlsloop}: two {@link TlsConnection}s over a {@link MemoryLink}; the client writes
 *       16 KiB (write flushes), the server reads until it has all of it.
 *   <li>{@link #rawEngineNoLink}: the ceiling without any transport: ciphertext unwrapped from the
 *       buffer it was wrapped into. Its distance to {@link #rawEngine} is what the link's two
 *       copies cost.
 * </ul>
 *
 * <p>Both {@code rawEngine} and {@code tlsloop} pay the same transport: every ciphertext byte is
 * copied into the link's ring and out of it once, as a loopback socket copies it in the kernel. So
 * their ratio charges tlsloop only for what is its own.
 *
 * <p>Both make the same two records per operation (the JDK's TLS 1.3 records carry at most 16367
 * bytes, so 16384 becomes 16367 + 17) and the same engine calls. The ratio tlsloop / rawEngine is
 * the figure that matters: it is the loop's overhead (transport copies, buffer bookkeeping, status
 * checks), independent of how fast this machine's AES is.
 *
 * <p>Profilers: {@code -prof gc} gives {@code gc.alloc.rate.norm}, the garbage per 16 KiB; the raw
 * figure is the JDK engine's own (about 2.5 KB per record on JDK 17), anything above it is the
 * loop's. On a shared machine add {@code -prof dev.tlsloop.bench.CpuTimeProfiler}: CPU time per
 * operation is far steadier than ops/s when other processes take the cores.
 *
 * <p>The JDK's AES-GCM path needs about 8 s of JIT before it is at full speed, hence 10 s of
 * warmup. Override on the command line as usual ({@code -wi -w -i -r -f -p buffers=heap}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class TlsThroughputBench {
  /** Application bytes per operation: one full TLS plaintext size. */
  static final int CHUNK_BYTES = 16384;

  static final String PROTOCOL = "TLSv1.3";
  static final String SUITE = "TLS_AES_128_GCM_SHA256";
  static final String HOST = "localhost";

  /** More steps than this without a byte moving means the benchmark (or the loop) is broken. */
  static final int MAX_IDLE_STEPS = 64;

  /** Both benchmarks' settings: where the buffers live. */
  @State(Scope.Thread)
  public abstract static class Common {
    /** {@code heap} (the JDK engine's fast path) or {@code direct} (copied through arrays). */
    @Param({"heap", "direct"})
    public String buffers;

    /** Plaintext to send, the same 16 KiB every operation. */
    ByteBuffer src;

    /** Where the receiver puts the plaintext. */
    ByteBuffer dst;

    SSLContext serverContext;
    SSLContext clientContext;

    final boolean direct() {
      switch (buffers) {
        case "heap":
          return false;
        case "direct":
          return true;
        default:
          throw new IllegalArgumentException("buffers must be heap or direct: " + buffers);
      }
    }

    final ByteBuffer allocate(int capacity) {
      return direct() ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    /** A fresh CA and a server certificate for localhost; fills {@link #src} with noise. */
    final void setUpPkiAndData() throws GeneralSecurityException {
      TestPki pki = TestPki.create();
      serverContext = pki.serverContext(pki.issue(HOST));
      clientContext = pki.clientContext();
      byte[] noise = new byte[CHUNK_BYTES];
      new Random(42).nextBytes(noise);
      src = allocate(CHUNK_BYTES);
      src.put(noise).flip();
    }

    /** Fails the trial unless one operation delivered exactly what {@link #src} holds. */
    final void checkDelivered(ByteBuffer received, int count) {
      if (count != CHUNK_BYTES) {
        throw new IllegalStateException("one operation delivered " + count + " bytes");
      }
      ByteBuffer got = received.duplicate().flip();
      ByteBuffer sent = src.duplicate().clear();
      if (!got.equals(sent)) {
        throw new IllegalStateException("delivered bytes differ from those sent");
      }
    }

    static void checkSession(SSLSession session) {
      if (!PROTOCOL.equals(session.getProtocol()) || !SUITE.equals(session.getCipherSuite())) {
        throw new IllegalStateException(
            "negotiated " + session.getProtocol() + " " + session.getCipherSuite());
      }
    }
  }

  /** Two bare engines after a completed handshake, and one buffer of ciphertext between them. */
  @State(Scope.Thread)
  public static class RawState extends Common {
    SSLEngine client;
    SSLEngine server;

    /** Ciphertext from client to server; in fill mode between operations (empty). */
    ByteBuffer net;

    /** Ciphertext as the server reads it from the link; in fill mode between operations (empty). */
    ByteBuffer netIn;

    /** The same link, of the same capacity, as {@link LoopState}'s default. */
    MemoryLink link;

    /** {@code src} and {@code dst} as one-element arrays, made once, as tlsloop does. */
    ByteBuffer[] srcs;

    ByteBuffer[] dsts;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException, IOException {
      setUpPkiAndData();
      client = clientContext.createSSLEngine(HOST, 443);
      client.setUseClientMode(true);
      server = serverContext.createSSLEngine();
      server.setUseClientMode(false);
      for (SSLEngine e : new SSLEngine[] {client, server}) {
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(new String[] {SUITE});
        if (e == client) {
          p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        e.setSSLParameters(p);
      }
      handshake();
      checkSession(client.getSession());
      SSLSession s = server.getSession();
      checkSession(s);
      // 16 KiB of plaintext becomes two records on JDK TLS 1.3 (16367 + 17 bytes): room for both.
      net = allocate(2 * s.getPacketBufferSize());
      netIn = allocate(2 * s.getPacketBufferSize());
      link = new MemoryLink(LoopState.PIPE_BYTES);
      dst = allocate(2 * s.getApplicationBufferSize());
      srcs = new ByteBuffer[] {src};
      dsts = new ByteBuffer[] {dst};
      checkDelivered(dst, transferNoLink(this));
      checkDelivered(dst, transfer(this));
    }

    /**
     * Lock-step handshake in memory, in the shape of OpenJDK's SSLEngineTemplate: each side wraps,
     * both unwrap what they received, tasks inline, until both are done and nothing is in flight
     * (so the server's NewSessionTicket is consumed before measuring).
     */
    private void handshake() throws SSLException {
      int packet = Math.max(client.getSession().getPacketBufferSize(), 32 * 1024);
      ByteBuffer toServer = allocate(4 * packet);
      ByteBuffer toClient = allocate(4 * packet);
      ByteBuffer clientApp = allocate(4 * packet);
      ByteBuffer serverApp = allocate(4 * packet);
      ByteBuffer empty = ByteBuffer.allocate(0);
      client.beginHandshake();
      server.beginHandshake();
      for (int round = 0; round < 1000; round++) {
        client.wrap(empty, toServer);
        server.wrap(empty, toClient);
        runTasks(client);
        runTasks(server);
        toServer.flip();
        server.unwrap(toServer, serverApp);
        toServer.compact();
        toClient.flip();
        client.unwrap(toClient, clientApp);
        toClient.compact();
        runTasks(client);
        runTasks(server);
        if (toServer.position() == 0
            && toClient.position() == 0
            && client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
            && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
            && round > 2) {
          return;
        }
      }
      throw new IllegalStateException("raw handshake did not finish");
    }

    private static void runTasks(SSLEngine e) {
      Runnable task;
      while ((task = e.getDelegatedTask()) != null) {
        task.run();
      }
    }
  }

  /** Two tlsloop connections over an in-memory link, handshake done. */
  @State(Scope.Thread)
  public static class LoopState extends Common {
    /** Capacity of each direction of the in-memory link, like a socket buffer. */
    @Param({"" + PIPE_BYTES})
    public int pipeBytes;

    /** The link's default capacity; {@link RawState}'s link has the same. */
    static final int PIPE_BYTES = 65536;

    /**
     * The server's read buffer. The loop decrypts straight into it only when it has room for the
     * next record's ciphertext (16400 bytes for the JDK's 16367-byte TLS 1.3 record, then 50 for
     * the 17-byte one); otherwise through its appIn buffer and a copy. At 16384 both records take
     * the copy, from 16417 up neither does.
     */
    @Param({"16384"})
    public int readBytes;

    TlsConnection client;
    TlsConnection server;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException, IOException {
      setUpPkiAndData();
      BufferAllocator allocator = direct() ? BufferAllocator.DIRECT : BufferAllocator.HEAP;
      TlsConfig clientConfig =
          TlsConfig.client(HOST, 443)
              .sslContext(clientContext)
              .protocols(PROTOCOL)
              .cipherSuites(SUITE)
              .allocator(allocator)
              .build();
      TlsConfig serverConfig =
          TlsConfig.server(serverContext)
              .protocols(PROTOCOL)
              .cipherSuites(SUITE)
              .allocator(allocator)
              .build();
      MemoryLink link = new MemoryLink(pipeBytes);
      client = clientConfig.newConnection(link.a());
      server = serverConfig.newConnection(link.b());
      handshake();
      checkSession(client.session());
      checkSession(server.session());
      if (readBytes < CHUNK_BYTES) {
        throw new IllegalArgumentException("readBytes < " + CHUNK_BYTES + ": " + readBytes);
      }
      dst = allocate(readBytes);
      checkDelivered(dst, transfer(this));
    }

    private void handshake() throws IOException {
      for (int round = 0; round < 100; round++) {
        TlsNeed c = client.handshake();
        TlsNeed s = server.handshake();
        if (c == TlsNeed.NOTHING
            && s == TlsNeed.NOTHING
            && client.state() == TlsState.OPEN
            && server.state() == TlsState.OPEN) {
          // Consume the server's NewSessionTicket now, not during the first measured operations.
          ByteBuffer none = allocate(1);
          if (client.read(none) != 0 || client.hasBuffered() || client.hasPendingOutput()) {
            throw new IllegalStateException("unexpected data after the handshake: " + client);
          }
          return;
        }
      }
      throw new IllegalStateException("handshake did not finish: " + client + " / " + server);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      client.close();
      server.close();
    }
  }

  /**
   * The ceiling: wrap 16 KiB on the client, hand it through the link, unwrap it on the server, bare
   * engines.
   */
  @Benchmark
  public int rawEngine(RawState st) throws IOException {
    return transfer(st);
  }

  /** The ceiling without a transport: unwrap straight from the buffer wrapped into. */
  @Benchmark
  public int rawEngineNoLink(RawState st) throws SSLException {
    return transferNoLink(st);
  }

  /** tlsloop on both ends: the client writes 16 KiB, the server reads until it has all of it. */
  @Benchmark
  public int tlsloop(LoopState st) throws IOException {
    return transfer(st);
  }

  static int transfer(RawState st) throws IOException {
    ByteBuffer src = st.src.clear();
    ByteBuffer net = st.net;
    ByteBuffer netIn = st.netIn;
    ByteBuffer dst = st.dst.clear();
    while (src.hasRemaining()) {
      check(st.client.wrap(st.srcs, 0, 1, net));
    }
    net.flip();
    // Into the ring and out again: the copies tlsloop's transport makes (the link holds both
    // records of one op, so one write and one read move them).
    while (net.hasRemaining()) {
      st.link.a().write(net);
      st.link.b().read(netIn);
    }
    net.clear();
    netIn.flip();
    while (netIn.hasRemaining()) {
      check(st.server.unwrap(netIn, st.dsts, 0, 1));
    }
    netIn.clear();
    return dst.position();
  }

  static int transferNoLink(RawState st) throws SSLException {
    ByteBuffer src = st.src.clear();
    ByteBuffer net = st.net;
    ByteBuffer dst = st.dst.clear();
    while (src.hasRemaining()) {
      check(st.client.wrap(st.srcs, 0, 1, net));
    }
    net.flip();
    while (net.hasRemaining()) {
      check(st.server.unwrap(net, st.dsts, 0, 1));
    }
    net.clear();
    return dst.position();
  }

  static int transfer(LoopState st) throws IOException {
    ByteBuffer src = st.src.clear();
    ByteBuffer dst = st.dst.clear();
    TlsConnection client = st.client;
    TlsConnection server = st.server;
    int idle = 0;
    while (dst.position() < CHUNK_BYTES) {
      long moved = 0;
      if (src.hasRemaining()) {
        moved += client.write(src);
      } else if (client.hasPendingOutput()) {
        client.flush();
      }
      int n = server.read(dst);
      if (n < 0) {
        throw new IllegalStateException("server saw end of stream");
      }
      moved += n;
      if (moved == 0 && ++idle > MAX_IDLE_STEPS) {
        throw new IllegalStateException("no progress: " + client + " / " + server);
      }
    }
    return dst.position();
  }

  /**
   * Any status but OK (or a post-handshake message such as a KeyUpdate, which this bare loop does
   * not answer) ends the trial: the figure would not mean what it says.
   */
  private static void check(SSLEngineResult r) {
    if (r.getStatus() != SSLEngineResult.Status.OK
        || r.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING) {
      throw new IllegalStateException("raw engine: " + r);
    }
  }
}
