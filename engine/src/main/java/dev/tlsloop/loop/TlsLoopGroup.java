package dev.tlsloop.loop;

import dev.tlsloop.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A group of event loops, each one thread and one selector serving many TLS connections, with the
 * limits of {@link LoopOptions} and the deadlines of each connection's {@link TlsConfig}.
 *
 * <pre>{@code
 * try (TlsLoopGroup loops = TlsLoopGroup.start(LoopOptions.DEFAULTS)) {
 *   InetSocketAddress at = loops.listen(serverConfig, new InetSocketAddress(8443), EchoHandler::new);
 *   ...
 * }
 * }</pre>
 *
 * <p>Listening sockets are accepted on by one loop and their connections spread over all loops,
 * round robin. Delegated tasks (certificate checks, key exchange) of every connection run on one
 * bounded executor of {@link LoopOptions#loops()} threads, unless a config names its own: a
 * handshake storm then waits for those threads instead of stalling the loops. A connection stays on
 * its loop for its whole life.
 */
public final class TlsLoopGroup implements AutoCloseable {
  private final LoopOptions options;
  private final List<TlsLoop> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final ThreadPoolExecutor tasks;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger listeners = new AtomicInteger();

  private TlsLoopGroup(LoopOptions options) throws IOException {
    this.options = options;
    AtomicInteger taskThreads = new AtomicInteger();
    this.tasks =
        new ThreadPoolExecutor(
            options.loops,
            options.loops,
            30,
            TimeUnit.SECONDS,
            // One task at a time per handshaking connection, and at most maxHandshakes of those
            // per loop: this bound is never reached by well-behaved connections.
            new ArrayBlockingQueue<>(options.loops * options.maxHandshakes),
            r -> {
              Thread t = new Thread(r, "tlsloop-task-" + taskThreads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    tasks.allowCoreThreadTimeOut(true);
    for (int i = 0; i < options.loops; i++) {
      loops.add(new TlsLoop(this, options, "tlsloop-" + i));
    }
  }

  /** Starts {@link LoopOptions#loops()} loop threads (daemon threads). */
  public static TlsLoopGroup start(LoopOptions options) throws IOException {
    TlsLoopGroup g = new TlsLoopGroup(Objects.requireNonNull(options, "options"));
    for (TlsLoop loop : g.loops) {
      Thread t = new Thread(loop, loop.toString());
      t.setDaemon(true);
      g.threads.add(t);
      t.start();
    }
    return g;
  }

  /** The options this group runs with. */
  public LoopOptions options() {
    return options;
  }

  /**
   * Listens on {@code bind} (port 0 picks a free one) with the {@link LoopOptions#backlog()}; each
   * accepted connection gets a handler from {@code handlers} and a connection from {@code config}.
   * Returns the bound address.
   */
  public InetSocketAddress listen(
      TlsConfig config, InetSocketAddress bind, Supplier<? extends TlsHandler> handlers)
      throws IOException {
    Objects.requireNonNull(handlers, "handlers");
    TlsConfig loopConfig = config.forEventLoop(tasks);
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(bind, options.backlog);
      server.configureBlocking(false);
      Listener l = new Listener(server, loopConfig, handlers);
      loops.get(listeners.getAndIncrement() % loops.size()).listen(l);
      return l.address;
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * Connects to {@code address} as a client of {@code config} on the next loop; the future
   * completes once the connection exists (the TCP connect and handshake may still be under way:
   * {@code handler} hears of them, and of a failure, through its callbacks). The connect must
   * finish within {@link LoopOptions#connectTimeout()}.
   */
  public CompletableFuture<LoopConnection> connect(
      TlsConfig config, InetSocketAddress address, TlsHandler handler) {
    Objects.requireNonNull(handler, "handler");
    TlsConfig loopConfig = config.forEventLoop(tasks);
    CompletableFuture<LoopConnection> result = new CompletableFuture<>();
    TlsLoop loop = nextLoop();
    loop.execute(() -> loop.connect(loopConfig, address, handler, result));
    return result;
  }

  /** The counters of all loops, summed. */
  public LoopStats stats() {
    LoopStats sum = null;
    for (TlsLoop loop : loops) {
      LoopStats s = loop.stats();
      sum = sum == null ? s : sum.plus(s);
    }
    return sum;
  }

  /** The counters of each loop. */
  public List<LoopStats> loopStats() {
    List<LoopStats> all = new ArrayList<>();
    for (TlsLoop loop : loops) {
      all.add(loop.stats());
    }
    return all;
  }

  /**
   * Graceful shutdown: listeners close, every connection sends what is queued and close_notify;
   * connections still open after {@code grace} are aborted. Waits for the loop threads to end.
   * Returns whether they ended within {@code grace} plus a second.
   */
  public boolean shutdown(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    for (TlsLoop loop : loops) {
      loop.shutdown(deadline);
    }
    boolean ended = true;
    for (Thread t : threads) {
      long left = deadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      ended &= !t.isAlive();
    }
    tasks.shutdown();
    return ended;
  }

  /** Waits up to {@code timeout} for every loop thread to end; returns whether they did. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      if (t.isAlive()) {
        return false;
      }
    }
    return true;
  }

  /** {@link #shutdown} with a 5-second grace. */
  @Override
  public void close() {
    try {
      shutdown(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The loop that takes the next connection. */
  TlsLoop nextLoop() {
    return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
  }
}
