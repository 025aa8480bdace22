package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blocking facade under concurrency: {@code close()} from a third thread unblocks a blocked
 * reader and writer with {@link AsynchronousCloseException} (as a {@code SocketChannel} does), is
 * bounded by the close timeout even when the peer does not read, and a forked stress run closes at
 * random moments under renegotiations and KeyUpdates without a hang or a lost byte.
 */
class TlsChannelConcurrencyTest {
  /** A bound on every wait of these tests: only a hang exceeds it. */
  private static final long HANG_SECONDS = 20;

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);

  private static TestPki pki;
  private static TlsConfig server;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    server = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  private static TlsConfig client(Duration closeTimeout) throws Exception {
    return TlsConfig.client("localhost", 443)
        .trust(pki.trustStore())
        .closeTimeout(closeTimeout)
        .build();
  }

  /** A handshaken pair; the server side is returned second and then left alone by most tests. */
  private static TlsChannel[] pair(Loopback lo, ByteChannel clientTransport, Duration closeTimeout)
      throws Exception {
    TlsChannel c = client(closeTimeout).newChannel(clientTransport);
    TlsChannel s = server.newChannel(lo.server);
    Future<?> hs =
        threads.submit(
            () -> {
              s.handshake();
              return null;
            });
    c.handshake();
    hs.get(HANG_SECONDS, TimeUnit.SECONDS);
    return new TlsChannel[] {c, s};
  }

  @Test
  void closeFromAnotherThreadUnblocksAReaderWaitingForASilentPeer() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, lo.client, CLOSE_TIMEOUT);
      TlsChannel c = p[0];
      Call<Integer> reader = Call.start("reader", () -> c.read(ByteBuffer.allocate(100)));
      reader.awaitFrame(TlsChannelConcurrencyTest::inSelect);

      c.close();

      assertEquals(AsynchronousCloseException.class, reader.failure().getClass());
      assertFalse(c.isOpen());
      p[1].close();
    }
  }

  @Test
  void closeFromAnotherThreadUnblocksAReaderAndAWriterWhosePeerDoesNotRead() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, lo.client, CLOSE_TIMEOUT);
      TlsChannel c = p[0];
      TlsChannel s = p[1];
      Payload data = new Payload(5, 64 << 20);
      ByteBuffer big = ByteBuffer.allocate(64 << 20);
      data.fill(big, 0);
      big.flip();
      // The server never reads: the socket buffers fill and the writer blocks for good.
      Call<Integer> writer = Call.start("writer", () -> c.write(big));
      Call<Integer> reader = Call.start("reader", () -> c.read(ByteBuffer.allocate(100)));
      writer.awaitFrame(TlsChannelConcurrencyTest::inSelect);
      reader.awaitFrame(TlsChannelConcurrencyTest::inSelect);

      long start = System.nanoTime();
      Future<?> close =
          threads.submit(
              () -> {
                c.close();
                return null;
              });
      // close() does not wait behind the blocked writer: it returns, and within a bound set by
      // the close timeout (it may spend that long offering close_notify to the full socket).
      bounded(close, CLOSE_TIMEOUT.toSeconds() + HANG_SECONDS);
      System.out.println(
          "close() with a writer blocked on a non-reading peer took "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
              + " ms (close timeout "
              + CLOSE_TIMEOUT.toMillis()
              + " ms)");

      assertEquals(AsynchronousCloseException.class, writer.failure().getClass());
      assertEquals(AsynchronousCloseException.class, reader.failure().getClass());
      assertFalse(c.isOpen());
      // The close_notify never got through: the server, reading at last, gets what had reached
      // its socket, every byte in place, then a truncation rather than an end of stream.
      long got = 0;
      ByteBuffer in = ByteBuffer.allocate(1 << 16);
      s.setTimeout(Duration.ofSeconds(HANG_SECONDS));
      while (true) {
        in.clear();
        int n;
        try {
          n = s.read(in);
        } catch (TlsTruncationException expected) {
          break;
        }
        assertTrue(n > 0, "the server saw an end of stream without close_notify");
        in.flip();
        data.verify(in, got);
        got += n;
      }
      assertTrue(got > 0 && got <= big.position(), "server got " + got + " of " + big.position());
      s.close();
    }
  }

  @Test
  void closeWithAZeroCloseTimeoutReturnsEvenWhenThePeerDoesNotRead() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, lo.client, Duration.ZERO);
      TlsChannel c = p[0];
      ByteBuffer big = ByteBuffer.allocate(64 << 20);
      Call<Integer> writer = Call.start("writer", () -> c.write(big));
      writer.awaitFrame(TlsChannelConcurrencyTest::inSelect);

      Future<?> close =
          threads.submit(
              () -> {
                c.close();
                return null;
              });
      bounded(close, HANG_SECONDS);

      assertEquals(AsynchronousCloseException.class, writer.failure().getClass());
      assertFalse(c.isOpen());
      p[1].close();
    }
  }

  @Test
  void everyCallAfterCloseThrowsClosedChannelException() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, lo.client, CLOSE_TIMEOUT);
      TlsChannel c = p[0];
      assertTrue(c.isOpen());
      c.close();
      assertFalse(c.isOpen());
      ByteBuffer b = ByteBuffer.allocate(10);
      ByteBuffer[] bs = {b};
      // Not AsynchronousCloseException: nothing was blocked, the channel was closed before.
      assertEquals(ClosedChannelException.class, failure(() -> c.read(b)).getClass());
      assertEquals(ClosedChannelException.class, failure(() -> c.read(bs)).getClass());
      assertEquals(ClosedChannelException.class, failure(() -> c.write(b)).getClass());
      assertEquals(ClosedChannelException.class, failure(() -> c.write(bs)).getClass());
      assertEquals(ClosedChannelException.class, failure(c::handshake).getClass());
      assertEquals(ClosedChannelException.class, failure(c::shutdownOutput).getClass());
      c.close(); // a second close does nothing
      assertFalse(c.isOpen());
      p[1].close();
    }
  }

  @Test
  void isOpenTurnsFalseWhenTheConnectionEndsOrTheTransportCloses() throws Exception {
    TlsConfig tls12Client =
        TlsConfig.client("localhost", 443).trust(pki.trustStore()).protocols("TLSv1.2").build();
    try (Loopback lo = Loopback.open()) {
      TlsChannel c = tls12Client.newChannel(lo.client);
      TlsChannel s = server.newChannel(lo.server);
      Future<?> hs =
          threads.submit(
              () -> {
                s.handshake();
                return null;
              });
      c.handshake();
      hs.get(HANG_SECONDS, TimeUnit.SECONDS);
      assertTrue(c.isOpen());
      s.close();
      // TLS 1.2: the peer's close_notify is answered and the connection is CLOSED.
      assertEquals(-1, c.read(ByteBuffer.allocate(10)));
      assertEquals(TlsState.CLOSED, c.connection().state());
      assertFalse(c.isOpen());
    }
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, lo.client, CLOSE_TIMEOUT);
      assertTrue(p[0].isOpen());
      lo.client.close();
      assertFalse(p[0].isOpen());
      p[1].close();
    }
  }

  @Test
  void aSecondCloseWaitsForTheFirstToFinish() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, lo.client, CLOSE_TIMEOUT);
      TlsChannel c = p[0];
      Call<Integer> writer = Call.start("writer", () -> c.write(ByteBuffer.allocate(64 << 20)));
      writer.awaitFrame(TlsChannelConcurrencyTest::inSelect);
      // The first close offers close_notify to a full socket until the close timeout.
      Call<Void> first =
          Call.start(
              "first close",
              () -> {
                c.close();
                return null;
              });
      first.awaitFrame(
          f ->
              f.getClassName().equals(TlsChannel.class.getName())
                  && f.getMethodName().equals("sendCloseNotify"));

      c.close();

      // The first one closed the transport before it let the second through.
      assertFalse(lo.client.isOpen());
      first.get();
      assertEquals(AsynchronousCloseException.class, writer.failure().getClass());
      p[1].close();
    }
  }

  @Test
  void overABlockingTransportCloseUnblocksAReaderBlockedInIt() throws Exception {
    try (Loopback lo = Loopback.open()) {
      TlsChannel[] p = pair(lo, new Opaque(lo.client), CLOSE_TIMEOUT);
      TlsChannel c = p[0];
      Call<Integer> reader = Call.start("reader", () -> c.read(ByteBuffer.allocate(100)));
      // Blocked in the socket's own read, holding the engine lock.
      reader.awaitFrame(
          f -> f.getClassName().endsWith("SocketChannelImpl") && f.getMethodName().equals("read"));

      Future<?> close =
          threads.submit(
              () -> {
                c.close();
                return null;
              });
      bounded(close, CLOSE_TIMEOUT.toSeconds() + HANG_SECONDS);

      assertEquals(AsynchronousCloseException.class, reader.failure().getClass());
      assertFalse(c.isOpen());
      p[1].close();
    }
  }

  /**
   * One reader, one writer and a closer at a random moment, 100 rounds (half TLS 1.2 with
   * renegotiations, half TLS 1.3 with KeyUpdates, forced by both sides and by {@code
   * jdk.tls.keyLimits} of 64 KiB) in a forked JVM: see {@link ChannelCloseStressMain} for what each
   * round checks. {@code -Dtlsloop.channel.stress.rounds=N} runs a longer soak.
   */
  @Test
  void closingAtRandomMomentsUnderRenegotiationsAndKeyUpdatesNeverHangsNorLosesBytes(
      @TempDir Path dir) throws Exception {
    int rounds = Integer.getInteger("tlsloop.channel.stress.rounds", 100);
    Path props = dir.resolve("keylimits.security");
    Files.writeString(
        props,
        "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^16, ChaCha20-Poly1305 KeyUpdate 2^16\n",
        StandardCharsets.US_ASCII);
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process proc =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Djava.security.properties=" + props,
                    "-cp",
                    System.getProperty("java.class.path"),
                    ChannelCloseStressMain.class.getName(),
                    String.valueOf(rounds),
                    String.valueOf(System.nanoTime())))
            .redirectErrorStream(true)
            .start();
    String out;
    try {
      // Every round is bounded inside; this only catches a hang of the fork itself.
      long bound = 60L + (long) rounds * 4 * ChannelCloseStressMain.ROUND_SECONDS;
      ByteArrayCollector collected = ByteArrayCollector.start(proc);
      assertTrue(proc.waitFor(bound, TimeUnit.SECONDS), "forked stress run finished");
      out = collected.text();
    } finally {
      proc.destroyForcibly();
    }
    System.out.println("TlsChannelConcurrencyTest forked JVM: " + out.trim());
    assertEquals(0, proc.exitValue(), out);
    Matcher m = Pattern.compile("rounds=(\\d+) bytesReceived=(\\d+) ").matcher(out);
    assertTrue(m.find(), out);
    assertEquals(rounds, Integer.parseInt(m.group(1)));
    assertTrue(Long.parseLong(m.group(2)) > 0, out);
    assertEquals((rounds + 1) / 2, count(out, "TLSv1.2 rounds"), out);
    assertEquals(rounds / 2, count(out, "TLSv1.3 rounds"), out);
    assertTrue(count(out, "TLSv1.2 renegotiations") > 0, out);
    assertTrue(count(out, "TLSv1.3 KeyUpdates") > 0, out);
    // The exact check (the server got every byte the client's writes took) ran at least once.
    assertTrue(
        count(out, "TLSv1.2 server end: close_notify")
                + count(out, "TLSv1.3 server end: close_notify")
            > 0,
        out);
  }

  /** Waits for {@code f}; a hang fails with every thread's stack. */
  private static void bounded(Future<?> f, long seconds) throws Exception {
    try {
      f.get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      StringBuilder dump = new StringBuilder("hang; threads:\n");
      Thread.getAllStackTraces()
          .forEach(
              (t, st) -> {
                dump.append(t).append('\n');
                for (StackTraceElement el : st) {
                  dump.append("    at ").append(el).append('\n');
                }
              });
      throw new AssertionError(dump.toString(), e);
    }
  }

  private static int count(String out, String label) {
    Matcher m = Pattern.compile(Pattern.quote(label) + "=(\\d+)").matcher(out);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  // ------------------------------------------------------------------------------------------

  private static boolean inSelect(StackTraceElement f) {
    return f.getClassName().equals(TlsChannel.class.getName())
        && f.getMethodName().equals("select");
  }

  private interface IoCall {
    void run() throws Exception;
  }

  private static Exception failure(IoCall call) {
    return assertThrows(Exception.class, call::run);
  }

  /** A call running in its own thread, whose stack the test can watch. */
  private static final class Call<T> {
    final Thread thread;
    final FutureTask<T> task;

    private Call(String name, Callable<T> body) {
      task = new FutureTask<>(body);
      thread = new Thread(task, name);
      thread.setDaemon(true);
    }

    static <T> Call<T> start(String name, Callable<T> body) {
      Call<T> c = new Call<>(name, body);
      c.thread.start();
      return c;
    }

    /** Waits until the thread is inside the frame {@code where}: blocked where the test wants. */
    void awaitFrame(Predicate<StackTraceElement> where) throws Exception {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
      while (System.nanoTime() < end) {
        if (task.isDone()) {
          throw new AssertionError(thread.getName() + " ended before it blocked: " + outcome());
        }
        for (StackTraceElement f : thread.getStackTrace()) {
          if (where.test(f)) {
            return;
          }
        }
        Thread.sleep(5);
      }
      throw new AssertionError(thread.getName() + " never blocked where expected");
    }

    T get() throws Exception {
      return task.get(HANG_SECONDS, TimeUnit.SECONDS);
    }

    Throwable failure() throws Exception {
      try {
        T result = get();
        throw new AssertionError(thread.getName() + " returned " + result + " instead of failing");
      } catch (ExecutionException e) {
        return e.getCause();
      }
    }

    private String outcome() {
      try {
        return String.valueOf(task.get());
      } catch (Exception e) {
        return String.valueOf(e.getCause());
      }
    }
  }

  /** A blocking transport that is not a SelectableChannel: the facade uses its blocking calls. */
  private static final class Opaque implements ByteChannel {
    private final SocketChannel ch;

    Opaque(SocketChannel ch) {
      this.ch = ch;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return ch.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return ch.write(src);
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  /** Reads a process's output as it comes, so that a full pipe never stalls it. */
  private static final class ByteArrayCollector extends Thread {
    private final Process proc;
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

    private ByteArrayCollector(Process proc) {
      this.proc = proc;
      setDaemon(true);
    }

    static ByteArrayCollector start(Process proc) {
      ByteArrayCollector c = new ByteArrayCollector(proc);
      c.start();
      return c;
    }

    @Override
    public void run() {
      try {
        proc.getInputStream().transferTo(bytes);
      } catch (IOException ignored) {
        // The process was destroyed: what was read so far is what there is.
      }
    }

    String text() throws InterruptedException {
      join(TimeUnit.SECONDS.toMillis(HANG_SECONDS));
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
