package dev.tlsloop.loop;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import dev.tlsloop.TlsTimeoutException;
import dev.tlsloop.TlsTruncationException;
import dev.tlsloop.loop.LoopConnection.Phase;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * One event loop: one thread, one {@link Selector}, many connections. It keeps the contract of
 * {@link TlsConnection} for each: interest ops come only from {@code need()}, {@code hasBuffered()}
 * and {@code hasPendingOutput()}; records already buffered are served on the next turn without
 * waiting for the socket; a finished delegated task wakes the selector. Everything here runs on the
 * loop thread except {@link #execute} and {@link #stats()}.
 *
 * <p>A turn: select (without blocking when work is left over or queued), serve the selected
 * connections, run queued tasks, serve the connections that had work left, fire due deadlines. Each
 * serving gives a connection at most {@link LoopOptions#budgetBytes} of plaintext each way.
 */
final class TlsLoop implements Runnable {
  private static final System.Logger LOG = System.getLogger("dev.tlsloop.loop");

  /** A connection whose read returned 0 while it still reports buffered records is retried. */
  private static final int STRANDED_RETRIES = 3;

  final LoopOptions options;
  final ChunkPool chunks = new ChunkPool();
  private final String name;
  private final Selector selector;
  private final Acceptor acceptor;
  private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
  private final Set<LoopConnection> conns = new HashSet<>();

  /** Connections whose handshake has not finished, oldest first: the eviction order. */
  private final LinkedHashSet<LoopConnection> handshaking = new LinkedHashSet<>();

  /** Connections waiting, unread, for a handshake slot. */
  private final ArrayDeque<LoopConnection> waiting = new ArrayDeque<>();

  private final DeadlineQueue deadlines = new DeadlineQueue();
  private ArrayDeque<LoopConnection> ready = new ArrayDeque<>();
  private ArrayDeque<LoopConnection> readyNext = new ArrayDeque<>();

  /** Plaintext is read into this one buffer and handed to handlers: idle connections hold none. */
  private final ByteBuffer readBuffer = ByteBuffer.allocate(17 * 1024);

  private final ByteBuffer[] gather = new ByteBuffer[8];
  private volatile Thread thread;
  private volatile boolean stopped;
  private long shutdownDeadline;
  private boolean shuttingDown;
  private long turn;
  private int slotsUsed;
  private LoopConnection serving;

  // Counters (loop thread only; see LoopStats).
  private long handshakesDone;
  private long handshakesFailed;
  private long timeouts;
  private long evictions;
  private long refused;
  private long handlerErrors;
  private long bytesIn;
  private long bytesOut;
  private long budgetExhausted;
  private long maxServedInOneTurn;

  static {
    // What the failure paths need, loaded now: once file descriptors run out (the flood these
    // paths exist for) a class that is not loaded yet cannot be read from a class-path directory,
    // and the JDK's log formatter reads the time-zone file on its first record.
    TlsTimeoutException.Kind.values();
    CloseCause.values();
    new SocketTimeoutException("preload").getMessage();
    java.time.ZonedDateTime.now().getOffset();
  }

  TlsLoop(TlsLoopGroup group, LoopOptions options, String name) throws IOException {
    this.options = options;
    this.name = name;
    this.selector = Selector.open();
    this.acceptor = new Acceptor(this, group, selector);
  }

  // ------------------------------------------------------------------ any thread

  /** Runs {@code task} on the loop thread, waking the selector. */
  void execute(Runnable task) {
    inbox.add(task);
    if (!inLoop()) {
      selector.wakeup();
    }
  }

  /** Runs {@code task} now if this is the loop thread, else hands it over like {@link #execute}. */
  void runOnLoop(Runnable task) {
    if (inLoop()) {
      task.run();
    } else {
      execute(task);
    }
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  void checkThread() {
    if (!inLoop()) {
      throw new IllegalStateException(
          "call this on the connection's loop thread (" + name + "), e.g. through execute()");
    }
  }

  /** The counters, taken on the loop thread. */
  LoopStats stats() {
    if (inLoop() || stopped) {
      return snapshot();
    }
    CompletableFuture<LoopStats> f = new CompletableFuture<>();
    execute(() -> f.complete(snapshot()));
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the counters of " + name, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("loop " + name + " did not answer", e);
    }
  }

  /** Starts a graceful shutdown: listeners close, every connection gets close_notify. */
  void shutdown(long deadlineNanos) {
    execute(
        () -> {
          shuttingDown = true;
          shutdownDeadline = deadlineNanos;
          acceptor.closeAll();
          new ArrayList<>(conns).forEach(this::requestClose);
        });
  }

  boolean isStopped() {
    return stopped;
  }

  // ------------------------------------------------------------------ the turn

  @Override
  public void run() {
    thread = Thread.currentThread();
    try {
      while (!(shuttingDown && conns.isEmpty())) {
        select();
        turn++;
        serveSelected();
        drainInbox();
        serveReady();
        fireTimers(System.nanoTime());
        if (shuttingDown && System.nanoTime() - shutdownDeadline >= 0) {
          abortAll();
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      LOG.log(System.Logger.Level.ERROR, name + " stopped: " + e, e);
      abortAll();
    } finally {
      stopped = true;
      acceptor.closeAll();
      try {
        selector.close();
      } catch (IOException ignored) {
        // Nothing is registered any more.
      }
    }
  }

  private void select() throws IOException {
    if (!ready.isEmpty() || !inbox.isEmpty()) {
      selector.selectNow();
      return;
    }
    long next = Math.min(deadlines.nextAt(), acceptor.nextWake());
    if (shuttingDown) {
      next = Math.min(next, shutdownDeadline);
    }
    if (next == Long.MAX_VALUE) {
      selector.select();
    } else {
      long millis = TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()) + 1;
      selector.select(Math.max(1, millis));
    }
  }

  private void serveSelected() {
    Set<SelectionKey> keys = selector.selectedKeys();
    for (SelectionKey key : keys) {
      if (!key.isValid()) {
        continue;
      }
      Object a = key.attachment();
      if (a instanceof Listener) {
        acceptor.accept((Listener) a);
      } else if (key.isConnectable()) {
        connected((LoopConnection) a);
      } else {
        serve((LoopConnection) a);
      }
    }
    keys.clear();
  }

  private void drainInbox() {
    Runnable task;
    while ((task = inbox.poll()) != null) {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        LOG.log(System.Logger.Level.WARNING, name + ": a task given to execute() threw", e);
      }
    }
  }

  private void serveReady() {
    ArrayDeque<LoopConnection> now = ready;
    ready = readyNext;
    readyNext = now;
    LoopConnection c;
    while ((c = now.poll()) != null) {
      serve(c);
    }
  }

  /** Asks for {@code c} to be served in the next turn (not while it is being served now). */
  void wantService(LoopConnection c) {
    if (c != serving && c.phase == Phase.ACTIVE) {
      ready.add(c);
    }
  }

  // ------------------------------------------------------------------ serving one connection

  private void serve(LoopConnection c) {
    if (c.phase != Phase.ACTIVE) {
      return;
    }
    if (c.servedInTurn == turn) {
      ready.add(c); // once per turn: what it still has to do waits for the next turn
      return;
    }
    c.servedInTurn = turn;
    LoopConnection outer = serving; // a handler may close another connection: serve nests
    serving = c;
    try {
      boolean leftover = serveOnce(c);
      if (c.phase != Phase.ACTIVE) {
        return;
      }
      if (leftover) {
        ready.add(c);
      }
      updateInterest(c);
      deadlines.schedule(c);
    } catch (IOException | RuntimeException e) {
      CloseCause cause = causeOf(c, e);
      end(c, cause, isClean(cause) ? null : e);
    } catch (Error e) {
      // Say a class that fails to load when file descriptors run out: end this connection, keep
      // the loop (an Error escaping would stop serving every connection).
      end(c, CloseCause.ABORTED, e);
    } finally {
      serving = outer;
    }
  }

  /** Handshake, send, receive, send replies, close: returns whether work was left over. */
  private boolean serveOnce(LoopConnection c) throws IOException {
    TlsConnection tls = c.tls;
    if (c.holdsHandshakeSlot) {
      tls.handshake();
      if (tls.state() == TlsState.HANDSHAKING || !handshakeFinished(c)) {
        return false;
      }
    }
    boolean leftover = send(c);
    leftover |= receive(c);
    if (c.phase == Phase.ACTIVE) {
      leftover |= send(c);
      closeWhenDone(c);
    }
    return leftover && c.phase == Phase.ACTIVE;
  }

  /** The handshake just finished: free the slot, tell the handler. */
  private boolean handshakeFinished(LoopConnection c) {
    releaseSlot(c);
    handshaking.remove(c);
    handshakesDone++;
    callback(c, () -> c.handler.onHandshake(c));
    return c.phase == Phase.ACTIVE;
  }

  /** Moves queued plaintext into the engine, up to the budget. Returns whether some was left. */
  private boolean send(LoopConnection c) throws IOException {
    TlsConnection tls = c.tls;
    long sent = 0;
    while (!c.out.isEmpty() && sent < options.budgetBytes && tls.state() != TlsState.CLOSED) {
      int n = c.out.gather(gather, (int) (options.budgetBytes - sent));
      long w;
      try {
        w = tls.write(gather, 0, n);
      } finally {
        Arrays.fill(gather, 0, n, null);
      }
      c.out.consumed(w);
      sent += w;
      if (w == 0) {
        break; // netOut full (WRITE) or a renegotiation flight first (READ)
      }
    }
    bytesOut += sent;
    if (c.out.isEmpty() && tls.hasPendingOutput()) {
      tls.flush();
    }
    boolean toldWritable = false;
    if (c.owesWritable && c.out.hasDrained() && !c.closeRequested) {
      c.owesWritable = false;
      callback(c, () -> c.handler.onWritable(c));
      toldWritable = true;
    }
    // What the handler queued in onWritable (its documented answer) has no event to wake it:
    // wantService() skips the connection being served, and with no ciphertext pending no OP_WRITE
    // is registered. So it counts as work left for the next turn, else the queue would sit full
    // until some other event served this connection again.
    return !c.out.isEmpty() && (sent >= options.budgetBytes || toldWritable);
  }

  /**
   * Offers kept plaintext, then reads and delivers up to the budget. Returns whether the budget
   * stopped it with records still buffered (they are served next turn, not stranded).
   */
  private boolean receive(LoopConnection c) throws IOException {
    if (c.kept != null && c.closeRequested) {
      c.kept = null; // the handler closed: what it had not taken is dropped
    }
    if (c.kept != null && !offerKept(c)) {
      return false;
    }
    TlsConnection tls = c.tls;
    if (c.readPaused || !canRead(tls.state())) {
      return false;
    }
    int served = 0;
    int n = 0;
    while (served < options.budgetBytes && c.phase == Phase.ACTIVE) {
      readBuffer.clear().limit(Math.min(readBuffer.capacity(), options.budgetBytes - served));
      n = tls.read(readBuffer);
      if (n <= 0) {
        break;
      }
      served += n;
      readBuffer.flip();
      // After close() what still comes is dropped.
      if (!c.closeRequested && !handOver(c, n)) {
        break;
      }
    }
    maxServedInOneTurn = Math.max(maxServedInOneTurn, served);
    if (n < 0) {
      peerClosed(c);
      return false;
    }
    if (served >= options.budgetBytes && tls.hasBuffered()) {
      budgetExhausted++;
      return true;
    }
    return n == 0 && stranded(c);
  }

  /**
   * Gives the handler the {@code n} bytes one read put in the read buffer. Returns false when
   * reading stops for now: the handler left some (kept for it) or paused reading.
   */
  private boolean handOver(LoopConnection c, int n) {
    bytesIn += n;
    deliver(c, readBuffer);
    if (readBuffer.hasRemaining() && c.phase == Phase.ACTIVE) {
      keep(c, readBuffer);
      return false;
    }
    return !c.readPaused;
  }

  /**
   * A read that returned 0 with records still held is retried next turn, a bounded number of times.
   */
  private boolean stranded(LoopConnection c) {
    if (c.tls.hasBuffered()
        && c.tls.need() == TlsNeed.READ
        && c.strandedRetries++ < STRANDED_RETRIES) {
      return true;
    }
    c.strandedRetries = 0;
    return false;
  }

  private boolean offerKept(LoopConnection c) {
    if (c.readPaused) {
      return false;
    }
    ByteBuffer kept = c.kept;
    deliver(c, kept);
    if (kept.hasRemaining()) {
      return false; // still not taken: reading stays paused
    }
    c.kept = null;
    return c.phase == Phase.ACTIVE;
  }

  private static void keep(LoopConnection c, ByteBuffer rest) {
    c.kept = ByteBuffer.allocate(rest.remaining()).put(rest).flip();
  }

  private static boolean canRead(TlsState s) {
    return s == TlsState.OPEN || s == TlsState.OUTBOUND_CLOSED;
  }

  /** The peer's close_notify: its stream ended cleanly. Send what is queued, then ours. */
  private void peerClosed(LoopConnection c) {
    c.peerClosedFirst = !c.closeRequested;
    c.closeRequested = true;
    if (c.tls.state() == TlsState.CLOSED) {
      // TLS 1.2 answers close_notify at once and closes both ways (RFC 5246 7.2.1): what is
      // still queued can no longer be sent.
      c.out.clear();
    }
  }

  /** Once a close was asked and the queue is empty: close_notify out, then end when closed. */
  private void closeWhenDone(LoopConnection c) throws IOException {
    TlsConnection tls = c.tls;
    if (!c.closeRequested || !c.out.isEmpty()) {
      return;
    }
    TlsState s = tls.state();
    if (s == TlsState.OPEN || s == TlsState.INBOUND_CLOSED) {
      tls.shutdownOutput();
    } else if (tls.hasPendingOutput()) {
      tls.flush();
    }
    if (tls.state() == TlsState.CLOSED && !tls.hasPendingOutput()) {
      end(c, c.peerClosedFirst ? CloseCause.PEER_CLOSED : CloseCause.LOCAL_CLOSE, null);
    } else if (tls.state() == TlsState.OUTBOUND_CLOSED && !tls.hasPendingOutput()) {
      receive(c); // the peer's close_notify may be here already
      if (tls.state() == TlsState.CLOSED) {
        end(c, c.peerClosedFirst ? CloseCause.PEER_CLOSED : CloseCause.LOCAL_CLOSE, null);
      }
    }
  }

  /** Interest ops from what the connection reports, and nothing else. */
  private void updateInterest(LoopConnection c) {
    TlsConnection tls = c.tls;
    TlsNeed need = tls.need();
    int ops = 0;
    if (need == TlsNeed.WRITE || tls.hasPendingOutput()) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (need == TlsNeed.READ || need == TlsNeed.NOTHING) {
      boolean handshake = tls.state() == TlsState.NEW || tls.state() == TlsState.HANDSHAKING;
      boolean wantsData = c.kept == null && !c.readPaused && canRead(tls.state());
      boolean writeWaitsForPeer = need == TlsNeed.READ && !c.out.isEmpty() && !tls.hasBuffered();
      if (handshake || wantsData || writeWaitsForPeer) {
        ops |= SelectionKey.OP_READ;
      }
    }
    if (c.key.interestOps() != ops) {
      c.key.interestOps(ops);
    }
  }

  // ------------------------------------------------------------------ ending

  /** A graceful close: at once if the handshake has not finished, else after the queue. */
  void requestClose(LoopConnection c) {
    if (c.phase == Phase.ENDED) {
      return;
    }
    if (c.phase != Phase.ACTIVE || c.holdsHandshakeSlot) {
      end(c, CloseCause.LOCAL_CLOSE, null);
      return;
    }
    c.closeRequested = true;
    if (c != serving) {
      serve(c);
    }
  }

  void abort(LoopConnection c, CloseCause cause, IOException why) {
    end(c, cause, why);
  }

  /** Ends {@code c}: key cancelled, transport closed, buffers released, handler told once. */
  private void end(LoopConnection c, CloseCause cause, Throwable error) {
    if (c.phase == Phase.ENDED) {
      return;
    }
    c.phase = Phase.ENDED;
    if (c.key != null) {
      c.key.cancel();
    }
    closeTls(c, cause, error);
    c.out.clear();
    c.kept = null;
    conns.remove(c);
    waiting.remove(c);
    releaseSlot(c);
    if (handshaking.remove(c)) {
      handshakesFailed++;
    }
    if (cause == CloseCause.TIMEOUT) {
      timeouts++;
    }
    if (error != null) {
      LOG.log(System.Logger.Level.DEBUG, () -> name + ": " + c.remote + " ended: " + cause, error);
    }
    try {
      c.handler.onClosed(c, cause, error);
    } catch (RuntimeException | Error e) {
      handlerErrors++;
      LOG.log(System.Logger.Level.WARNING, name + ": onClosed threw for " + c.remote, e);
    }
  }

  private static boolean isClean(CloseCause cause) {
    return cause == CloseCause.PEER_CLOSED || cause == CloseCause.LOCAL_CLOSE;
  }

  private static void closeTls(LoopConnection c, CloseCause cause, Throwable error) {
    boolean clean = isClean(cause);
    if (!clean && !c.tls.state().isTerminal()) {
      c.tls.abort(error instanceof IOException ? (IOException) error : new IOException(error));
    }
    try {
      c.tls.close(); // releases the buffers and the channel in every state
    } catch (IOException ignored) {
      // The transport is closed either way.
    }
    try {
      c.channel.close();
    } catch (IOException ignored) {
      // Already closed by the connection.
    }
  }

  private CloseCause causeOf(LoopConnection c, Throwable e) {
    if (e instanceof TlsTimeoutException || e instanceof SocketTimeoutException) {
      return CloseCause.TIMEOUT;
    }
    if (e instanceof TlsTruncationException) {
      // After our close_notify went out, a peer that just closes its socket ends nothing early.
      return c.closeRequested ? CloseCause.LOCAL_CLOSE : CloseCause.TRUNCATED;
    }
    return e instanceof SSLException ? CloseCause.TLS_ERROR : CloseCause.IO_ERROR;
  }

  /** Hands plaintext to the handler (no lambda: this is the hot path, it allocates nothing). */
  private void deliver(LoopConnection c, ByteBuffer data) {
    try {
      c.handler.onData(c, data);
    } catch (RuntimeException e) {
      handlerFailed(c, e);
    }
  }

  private void handlerFailed(LoopConnection c, RuntimeException e) {
    handlerErrors++;
    LOG.log(System.Logger.Level.WARNING, name + ": handler threw for " + c.remote, e);
    end(c, CloseCause.HANDLER_ERROR, e);
  }

  /** Runs a handler callback; a throwing handler closes its own connection only. */
  private void callback(LoopConnection c, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      handlerFailed(c, e);
    }
  }

  private void abortAll() {
    for (LoopConnection c : new ArrayList<>(conns)) {
      end(c, CloseCause.ABORTED, new IOException("loop shut down before the connection closed"));
    }
  }

  // ------------------------------------------------------------------ accepting and connecting

  /** Listens on {@code l}'s socket from this loop. */
  void listen(Listener l) {
    execute(() -> acceptor.register(l));
  }

  /** Takes an accepted socket: a connection, registered, handshake started or waiting. */
  void adopt(SocketChannel ch, TlsConfig config, Supplier<? extends TlsHandler> handlers) {
    try {
      ch.configureBlocking(false);
      ch.socket().setTcpNoDelay(true);
      if (shuttingDown || (conns.size() >= options.maxConnections && !evictOne())) {
        refused++;
        ch.close();
        return;
      }
      TlsConnection tls = config.newConnection(ch);
      LoopConnection c =
          new LoopConnection(this, tls, ch, ch.getRemoteAddress(), handlers.get(), Phase.WAITING);
      register(c, 0);
      startWhenSlotFree(c);
    } catch (IOException | RuntimeException | Error e) {
      LOG.log(System.Logger.Level.WARNING, name + ": could not take an accepted connection", e);
      try {
        ch.close();
      } catch (IOException ignored) {
        // Nothing else to do with it.
      }
    }
  }

  /** Starts a client connection (on the loop thread). */
  void connect(
      TlsConfig config,
      InetSocketAddress address,
      TlsHandler handler,
      CompletableFuture<LoopConnection> result) {
    SocketChannel ch = null;
    try {
      if (shuttingDown) {
        throw new IOException("the loop group is shutting down");
      }
      ch = SocketChannel.open();
      ch.configureBlocking(false);
      ch.socket().setTcpNoDelay(true);
      boolean done = ch.connect(address);
      TlsConnection tls = config.newConnection(ch);
      LoopConnection c = new LoopConnection(this, tls, ch, address, handler, Phase.CONNECTING);
      c.connectDeadline = System.nanoTime() + options.connectTimeout.toNanos();
      register(c, done ? 0 : SelectionKey.OP_CONNECT);
      result.complete(c);
      if (done) {
        connected(c);
      } else {
        deadlines.schedule(c);
      }
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException ignored) {
          // Failed before it was anything.
        }
      }
      result.completeExceptionally(e);
    }
  }

  private void connected(LoopConnection c) {
    try {
      if (!c.channel.finishConnect()) {
        return; // spurious: still connecting
      }
    } catch (IOException e) {
      end(c, CloseCause.IO_ERROR, e);
      return;
    }
    c.connectDeadline = Long.MAX_VALUE;
    c.key.interestOps(0);
    c.phase = Phase.WAITING;
    startWhenSlotFree(c);
  }

  private void register(LoopConnection c, int ops) throws IOException {
    c.key = c.channel.register(selector, ops, c);
    c.tls.setTaskCompletionCallback(() -> execute(() -> serve(c)));
    conns.add(c);
    handshaking.add(c);
    callback(c, () -> c.handler.onOpen(c));
  }

  /** Gives {@code c} a handshake slot now, or queues it (unread) until one frees. */
  private void startWhenSlotFree(LoopConnection c) {
    if (c.phase != Phase.WAITING) {
      return;
    }
    if (slotsUsed < options.maxHandshakes) {
      slotsUsed++;
      c.holdsHandshakeSlot = true;
      c.phase = Phase.ACTIVE;
      serve(c);
    } else {
      waiting.add(c);
      deadlines.schedule(c);
    }
  }

  private void releaseSlot(LoopConnection c) {
    if (!c.holdsHandshakeSlot) {
      return;
    }
    c.holdsHandshakeSlot = false;
    slotsUsed--;
    LoopConnection next = waiting.poll();
    if (next != null) {
      execute(() -> startWhenSlotFree(next)); // not inside another connection's serving
    }
  }

  /** At the cap: drops the connection that has been handshaking longest, if any. */
  private boolean evictOne() {
    if (handshaking.isEmpty()) {
      return false;
    }
    LoopConnection oldest = handshaking.iterator().next();
    evictions++;
    end(oldest, CloseCause.EVICTED, new IOException("evicted: the loop is at its connection cap"));
    return true;
  }

  // ------------------------------------------------------------------ deadlines

  /** Listeners whose rest is over accept again; connections past a deadline end. */
  private void fireTimers(long now) {
    acceptor.wakeRested(now);
    LoopConnection c;
    while ((c = deadlines.pollDue(now)) != null) {
      if (c.phase == Phase.CONNECTING && now - c.connectDeadline >= 0) {
        end(c, CloseCause.TIMEOUT, new SocketTimeoutException("connect timed out: " + c.remote));
      } else if (c.tls.checkDeadlines(now)) {
        end(c, CloseCause.TIMEOUT, c.tls.failure());
      } else {
        deadlines.schedule(c);
      }
    }
  }

  // ------------------------------------------------------------------ counters

  private LoopStats snapshot() {
    long held = 0;
    for (LoopConnection c : conns) {
      held += c.bytesHeld();
    }
    int keys = stopped ? 0 : selector.keys().size();
    for (SelectionKey k : stopped ? Set.<SelectionKey>of() : selector.keys()) {
      if (!k.isValid()) {
        keys--; // cancelled, gone at the next select
      }
    }
    return new LoopStats(
        conns.size(),
        keys,
        handshaking.size(),
        handshakesDone,
        handshakesFailed,
        timeouts,
        evictions,
        refused,
        acceptor.errors(),
        handlerErrors,
        bytesIn,
        bytesOut,
        held,
        budgetExhausted,
        maxServedInOneTurn);
  }

  @Override
  public String toString() {
    return name;
  }
}
