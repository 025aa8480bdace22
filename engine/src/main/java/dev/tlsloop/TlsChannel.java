package dev.tlsloop;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A blocking TLS channel over a {@link TlsConnection}, for code that just wants a TLS socket.
 *
 * <p><b>Threads.</b> One reader thread and one writer thread may use it at the same time. Over a
 * {@link SelectableChannel} (a {@code SocketChannel}) the transport is switched to non-blocking
 * mode and each side waits on its own selector, so a blocked reader never holds up the writer;
 * timeouts ({@link #setTimeout}) then apply. Over any other channel the transport's own blocking
 * calls are used and all calls are serialized.
 *
 * <p><b>Closing.</b> {@link #close()} may be called from any thread, as with a {@code
 * SocketChannel}: a read or write blocked in another thread then throws {@link
 * AsynchronousCloseException}, and every call made after the close throws {@link
 * ClosedChannelException}. {@code close()} offers close_notify to the transport for at most the
 * configuration's {@link TlsConfig#closeTimeout() close timeout} (a zero close timeout: once,
 * without waiting), then closes the transport. It does not wait behind a writer blocked on a peer
 * that does not read, so it returns after about the close timeout at most. Over a blocking
 * transport it closes the transport to end a call blocked inside it, which works for a transport
 * that, like a {@code SocketChannel}, can be closed while a thread is blocked in it. A peer that
 * does not get the close_notify sees the stream truncated; a peer that gets it has received every
 * byte the writes took before it.
 */
public final class TlsChannel implements ByteChannel, GatheringByteChannel, ScatteringByteChannel {
  private final TlsConnection conn;
  private final ByteChannel transport;

  /** The connection's read side of {@link #transport}: see {@link ReadGate}. */
  private final ReadGate gate;

  private final long closeTimeoutNanos;

  /** The reading thread's side, and the writing side (write, handshake, shutdownOutput, close). */
  private final Side reader;

  private final Side writer;

  /**
   * Held only while calling the connection, never while waiting for I/O on a selector. Guards the
   * connection and the sides' {@code waiting} flags.
   */
  private final ReentrantLock engineLock = new ReentrantLock();

  /**
   * The longest a side waits on a condition before it looks at {@link #closed} again: close() may
   * find the engine lock taken and then cannot signal (see wakeBothSides).
   */
  private static final long WAIT_SLICE = TimeUnit.MILLISECONDS.toNanos(100);

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final Condition taskFinished = engineLock.newCondition();

  /** Signalled after every engine call that moved something: the other side may go on. */
  private final Condition progress = engineLock.newCondition();

  /**
   * Set once, first thing in {@link #close()}; read by blocked calls after every wake-up. Written
   * before the wake-ups it causes, so a side that misses the wake-up (it was not selecting yet)
   * sees the flag, and one that checked the flag just before finds the selector's wake-up pending.
   */
  private volatile boolean closed;

  /** Guards the closing itself, so that a second {@code close()} waits for the first to finish. */
  private final Object closeLock = new Object();

  private boolean closeDone;

  /**
   * The connection's state after the last engine call, published for {@link #isOpen()}. {@code
   * TlsConnection} is not thread-safe: reading its state from a thread that does not hold the
   * engine lock could see a stale value forever (its field is not volatile).
   */
  private volatile TlsState state;

  private volatile long timeoutNanos;

  /** What one thread (the reader, or the writer) needs of its own; only it touches its fields. */
  private static final class Side {
    final boolean writing;
    final ReentrantLock lock = new ReentrantLock();
    final ByteBuffer[] one = new ByteBuffer[1];

    /** Null when the transport is not selectable: its blocking calls do the waiting. */
    final Selector selector;

    final SelectionKey key;

    /**
     * Guarded by the engine lock: set in the same critical section as the engine call that found
     * nothing to do, and read there by the other side after it made progress (see engineCall).
     */
    boolean waiting;

    /**
     * The next engine call of this side may skip the transport read if the last one drained the
     * socket ({@link ReadGate}): set by read() for its first call, consumed by that call.
     */
    boolean selectFirst;

    /** Results of this side's last engine call, taken under the engine lock. */
    long moved;

    boolean outputPending;
    boolean buffered;

    Side(boolean writing, Selector selector, SelectionKey key) {
      this.writing = writing;
      this.selector = selector;
      this.key = key;
    }
  }

  TlsChannel(TlsConnection conn, ByteChannel transport, ReadGate gate, Duration closeTimeout) {
    this.conn = conn;
    this.transport = transport;
    this.gate = gate;
    this.closeTimeoutNanos = closeTimeout.toNanos();
    this.state = conn.state();
    conn.setTaskCompletionCallback(this::onTaskFinished);
    if (transport instanceof SelectableChannel) {
      try {
        SelectableChannel sc = (SelectableChannel) transport;
        sc.configureBlocking(false);
        Selector readerSelector = Selector.open();
        Selector writerSelector = Selector.open();
        reader = new Side(false, readerSelector, sc.register(readerSelector, SelectionKey.OP_READ));
        writer = new Side(true, writerSelector, sc.register(writerSelector, SelectionKey.OP_WRITE));
      } catch (IOException e) {
        throw new IllegalStateException("cannot prepare selectors for " + transport, e);
      }
    } else {
      reader = new Side(false, null, null);
      writer = new Side(true, null, null);
    }
  }

  /** For tests: what the read gate did (read them once the channel is quiet). */
  ReadGate readGate() {
    return gate;
  }

  /** The connection underneath, for its state, session and listener. */
  public TlsConnection connection() {
    return conn;
  }

  /**
   * Bounds every wait for the peer (handshake, read, write, close); zero means no bound. Exceeding
   * it throws {@link SocketTimeoutException} and leaves the connection usable. Needs a selectable
   * transport.
   */
  public void setTimeout(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /** Runs the handshake to completion (read and write also do it on first use). */
  public void handshake() throws IOException {
    writer.lock.lock();
    try {
      ensureOpen();
      long deadline = deadline();
      while (true) {
        TlsNeed need = call(writer, Op.HANDSHAKE, null, 0, 0);
        if (need == TlsNeed.NOTHING && state != TlsState.HANDSHAKING) {
          return;
        }
        await(writer, need, deadline, false);
      }
    } finally {
      writer.lock.unlock();
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    reader.lock.lock();
    try {
      reader.one[0] = dst;
      return (int) read(reader.one, 0, 1);
    } finally {
      reader.one[0] = null;
      reader.lock.unlock();
    }
  }

  @Override
  public long read(ByteBuffer[] dsts) throws IOException {
    return read(dsts, 0, dsts.length);
  }

  /** Blocks until at least one byte is read, or returns -1 after the peer's close_notify. */
  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    reader.lock.lock();
    try {
      ensureOpen();
      long deadline = deadline();
      // Only a selector can wait before reading; a blocking transport waits inside its read.
      reader.selectFirst = reader.selector != null;
      while (true) {
        TlsNeed need = call(reader, Op.READ, dsts, offset, length);
        if (reader.moved != 0 || need == TlsNeed.NOTHING) {
          return reader.moved; // bytes read before a concurrent close are still delivered
        }
        await(reader, need, deadline, false);
      }
    } finally {
      reader.lock.unlock();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    writer.lock.lock();
    try {
      writer.one[0] = src;
      return (int) write(writer.one, 0, 1);
    } finally {
      writer.one[0] = null;
      writer.lock.unlock();
    }
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  /**
   * Blocks until all of {@code srcs} is encrypted and written to the transport. If the channel is
   * closed meanwhile it throws {@link AsynchronousCloseException}; the buffers' positions then say
   * how much was taken.
   */
  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    writer.lock.lock();
    try {
      ensureOpen();
      long total = 0;
      long deadline = deadline();
      while (true) {
        TlsNeed need = call(writer, Op.WRITE, srcs, offset, length);
        total += writer.moved;
        if (need == TlsNeed.NOTHING) {
          return total; // all consumed and flushed
        }
        if (writer.moved > 0) {
          deadline = deadline(); // the timeout bounds a stall, not a long transfer
        }
        await(writer, need, deadline, false);
      }
    } finally {
      writer.lock.unlock();
    }
  }

  /**
   * Sends close_notify and waits until it is written; reading goes on until the peer's close_notify
   * (TLS 1.3 half-close).
   */
  public void shutdownOutput() throws IOException {
    writer.lock.lock();
    try {
      ensureOpen();
      sendCloseNotify(deadline(), false);
    } finally {
      writer.lock.unlock();
    }
  }

  /** False once {@link #close()} was called, the connection ended or the transport was closed. */
  @Override
  public boolean isOpen() {
    return !closed && !state.isTerminal() && transport.isOpen();
  }

  /**
   * Sends close_notify (waiting for it to be written within the close timeout, and the timeout of
   * {@link #setTimeout} if shorter), closes the connection and its transport, and makes blocked
   * calls in other threads throw {@link AsynchronousCloseException}. A second call waits for the
   * first to finish.
   */
  @Override
  public void close() throws IOException {
    // Mark closed and wake both sides before anything that can wait: a writer blocked on a peer
    // that does not read holds the write lock, and must see the close to let go of it.
    closed = true;
    wakeBothSides();
    synchronized (closeLock) {
      if (closeDone) {
        return;
      }
      closeDone = true;
      long start = System.nanoTime();
      long deadline = start + closeTimeoutNanos;
      try {
        if (closeTimeoutNanos > 0 && writer.lock.tryLock(closeTimeoutNanos, TimeUnit.NANOSECONDS)) {
          try {
            long t = timeoutNanos;
            sendCloseNotify(t > 0 ? Math.min(deadline, start + t) : deadline, true);
          } catch (IOException | RuntimeException e) {
            // The peer may be gone or not reading: closing still has to release everything.
          } finally {
            writer.lock.unlock();
          }
        }
        closeConnection(deadline);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closeTransportQuietly();
        throw new IOException("interrupted while closing", e);
      } finally {
        if (reader.selector != null) {
          // Deregisters the keys, which lets the transport's socket really close.
          reader.selector.close();
          writer.selector.close();
        }
      }
    }
  }

  /**
   * Runs {@code action} on the connection under the engine lock, as an engine call, then lets both
   * sides look again. For tests: forcing a renegotiation or KeyUpdate mid-stream ({@code
   * engine().beginHandshake()}) from another thread.
   */
  void underEngineLock(Consumer<TlsConnection> action) {
    engineLock.lock();
    try {
      action.accept(conn);
      progress.signalAll();
    } finally {
      state = conn.state();
      engineLock.unlock();
    }
    wakeBothSides();
  }

  // ------------------------------------------------------------------------------------------

  private enum Op {
    HANDSHAKE,
    READ,
    WRITE,
    SHUTDOWN
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /** close_notify until written, as the writer (the caller holds the write lock). */
  private void sendCloseNotify(long deadline, boolean closing) throws IOException {
    if (state.isTerminal()) {
      return;
    }
    while (true) {
      TlsNeed need = call(writer, Op.SHUTDOWN, null, 0, 0, closing ? deadline : 0);
      if (need == TlsNeed.NOTHING) {
        return;
      }
      await(writer, need, deadline, closing);
    }
  }

  /**
   * Closes the connection (and with it the transport) under the engine lock. Over a selectable
   * transport nobody holds that lock while waiting for I/O; over a blocking one a reader or writer
   * may hold it while blocked in the transport: closing the transport first unblocks it (as closing
   * an InterruptibleChannel does) so that the lock is freed.
   */
  private void closeConnection(long deadline) throws InterruptedException, IOException {
    // Over a selectable transport the lock is only ever held for one engine call (a delegated
    // task run inline can take tens of milliseconds on a loaded machine): these minimums are for
    // that, not for I/O.
    long left = Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
    if (!engineLock.tryLock(left, TimeUnit.NANOSECONDS)) {
      closeTransportQuietly();
      if (!engineLock.tryLock(Math.max(closeTimeoutNanos, SECOND), TimeUnit.NANOSECONDS)) {
        return; // the blocked call fails on the closed transport and releases the buffers itself
      }
    }
    try {
      conn.close();
    } finally {
      state = conn.state();
      progress.signalAll();
      taskFinished.signalAll();
      engineLock.unlock();
    }
  }

  private void closeTransportQuietly() {
    try {
      transport.close();
    } catch (IOException ignored) {
      // Best effort: the channel is being closed either way.
    }
  }

  /**
   * Wakes a side blocked on its selector or on the engine lock's conditions. A selector's wake-up
   * is kept for its next select if none is in progress, so this cannot be missed by a side that is
   * just about to select.
   */
  private void wakeBothSides() {
    if (reader.selector != null) {
      reader.selector.wakeup();
      writer.selector.wakeup();
    }
    // Over a blocking transport a reader may hold the engine lock while blocked in the transport:
    // never wait for it here. A side waiting on a condition does not hold the lock, so it is
    // normally free; if not, the waits on conditions are sliced (WAIT_SLICE) and look at the flag.
    if (engineLock.tryLock()) {
      try {
        progress.signalAll();
        taskFinished.signalAll();
      } finally {
        engineLock.unlock();
      }
    }
  }

  private TlsNeed call(Side side, Op op, ByteBuffer[] bufs, int offset, int length)
      throws IOException {
    return call(side, op, bufs, offset, length, 0);
  }

  /**
   * An engine call made by a reader or writer: once the channel is closed, whatever the closing did
   * to the connection underneath (close_notify sent, transport closed, connection closed) is
   * reported as the close it is.
   */
  private TlsNeed call(Side side, Op op, ByteBuffer[] bufs, int offset, int length, long lockBy)
      throws IOException {
    try {
      return engineCall(side, op, bufs, offset, length, lockBy);
    } catch (IOException | RuntimeException e) {
      if (closed && lockBy == 0) {
        throw asyncClose(e);
      }
      throw e;
    }
  }

  private static AsynchronousCloseException asyncClose(Exception cause) {
    AsynchronousCloseException e = new AsynchronousCloseException();
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /**
   * Calls the connection under the engine lock; returns what it waits for. With {@code lockBy} (a
   * {@link System#nanoTime()} deadline, for close) the lock is waited for no longer than that.
   */
  private TlsNeed engineCall(
      Side side, Op op, ByteBuffer[] bufs, int offset, int length, long lockBy) throws IOException {
    TlsNeed need;
    boolean wakeOther;
    lockEngine(lockBy);
    try {
      side.moved = 0;
      side.waiting = false;
      if (conn.checkDeadlines(System.nanoTime())) {
        throw conn.failure(); // the connection's own deadline (TlsConfig timeouts) passed
      }
      TlsState before = conn.state();
      HandshakeStatus hsBefore = conn.handshakeStatus();
      if (side.selectFirst) {
        side.selectFirst = false;
        gate.skipNextIfDrained();
      }
      try {
        side.moved = callConnection(op, bufs, offset, length);
      } finally {
        gate.open();
      }
      need = conn.need();
      side.outputPending = conn.hasPendingOutput();
      side.buffered = conn.hasBuffered();
      wakeOther = noteProgress(side, need, before, hsBefore);
    } finally {
      state = conn.state();
      engineLock.unlock();
    }
    if (wakeOther && reader.selector != null) {
      (side == reader ? writer : reader).selector.wakeup();
    }
    return need;
  }

  /** The connection call {@code op} stands for; returns the bytes it moved (0 for the others). */
  private long callConnection(Op op, ByteBuffer[] bufs, int offset, int length) throws IOException {
    switch (op) {
      case READ:
        return conn.read(bufs, offset, length);
      case WRITE:
        return conn.write(bufs, offset, length);
      case SHUTDOWN:
        conn.shutdownOutput();
        return 0;
      default:
        conn.handshake();
        return 0;
    }
  }

  /**
   * Under the engine lock, after {@code side}'s call: wakes threads waiting on {@link #progress} if
   * the call made progress, and records whether {@code side} now waits. Returns whether the other
   * side's selector must be woken.
   */
  private boolean noteProgress(Side side, TlsNeed need, TlsState before, HandshakeStatus hsBefore) {
    // Progress is anything the other side may be waiting for: plaintext it must take, or a
    // handshake step (a renegotiation flight, a KeyUpdate) that this call consumed from the
    // socket its selector watches. Without the handshake status, a writer waiting for the
    // peer's renegotiation flight slept on after the reader had read and processed it.
    boolean progressed =
        side.moved != 0
            || before != conn.state()
            || hsBefore != conn.handshakeStatus()
            || side.buffered;
    // Race fixed here (a missed wake-up): the flag used to be set after this lock was released,
    // just before the select, and read by the other side without the lock. The other side could
    // make progress in between, see no one waiting and skip the wake-up; this side then slept
    // on a socket with nothing more to come while plaintext or a finished handshake waited.
    // Now both the flag and the check are under this lock; the wake-up itself may come before
    // the select starts, and a selector keeps it for its next select.
    side.waiting =
        need == TlsNeed.WRITE
            || (need == TlsNeed.READ && !(side.writing && side.buffered)); // see await
    if (progressed) {
      progress.signalAll();
    }
    Side other = side == reader ? writer : reader;
    return progressed && other.waiting;
  }

  private void lockEngine(long lockBy) throws IOException {
    if (lockBy == 0) {
      engineLock.lock();
      return;
    }
    try {
      if (!engineLock.tryLock(lockBy - System.nanoTime(), TimeUnit.NANOSECONDS)) {
        throw new SocketTimeoutException(
            "another call holds the connection past the close timeout");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while closing", e);
    }
  }

  private long deadline() {
    long t = timeoutNanos;
    return t > 0 ? System.nanoTime() + t : 0;
  }

  private void onTaskFinished() {
    engineLock.lock();
    try {
      taskFinished.signalAll();
    } finally {
      engineLock.unlock();
    }
  }

  /**
   * Waits until the transport can do what {@code need} says, or a task finished, or the other side
   * made progress. Throws {@link AsynchronousCloseException} if the channel is closed, before or
   * during the wait, unless this is the closing itself ({@code closing}).
   */
  private void await(Side side, TlsNeed need, long deadline, boolean closing) throws IOException {
    checkNotClosed(closing);
    if (!transport.isOpen()) {
      throw transportClosed();
    }
    long left = deadline == 0 ? 0 : deadline - System.nanoTime();
    if (deadline != 0 && left <= 0) {
      throw new SocketTimeoutException(
          "TLS " + (side.writing ? "write" : "read") + " timed out waiting for " + need);
    }
    if (need == TlsNeed.TASK) {
      awaitTask(deadline, closing);
    } else if (side.selector == null) {
      return; // the blocking transport waits inside the next call
    } else if (side.writing && need == TlsNeed.READ && side.buffered) {
      // The engine needs the peer's next record (a KeyUpdate answer, a renegotiation flight)
      // but plaintext nobody has read yet is in front of it: only the reader can free it.
      // (side.buffered was taken under the engine lock with need: reading conn.hasBuffered() here,
      // without it, raced with the reader changing the buffers.)
      awaitProgress(deadline, closing);
    } else {
      select(side, need, deadline, closing);
    }
    checkNotClosed(closing);
  }

  /**
   * The transport closed under a waiting side: if the connection failed (the other side's write hit
   * a reset, say, and failing closed the transport), that failure is the reason to report.
   */
  private IOException transportClosed() {
    IOException failure;
    engineLock.lock();
    try {
      failure = conn.failure();
    } finally {
      engineLock.unlock();
    }
    if (failure == null) {
      return new ClosedChannelException();
    }
    String message = "connection failed: " + failure.getMessage();
    return failure instanceof SSLException
        ? new SSLException(message, failure)
        : new IOException(message, failure);
  }

  private void checkNotClosed(boolean closing) throws AsynchronousCloseException {
    if (closed && !closing) {
      throw asyncClose(null);
    }
  }

  private void select(Side side, TlsNeed need, long deadline, boolean closing) throws IOException {
    int ops = need == TlsNeed.WRITE ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    if (side.outputPending) {
      ops |= SelectionKey.OP_WRITE; // a control record waits to go out while we wait for input
    }
    try {
      side.key.interestOps(ops);
      side.selector.selectedKeys().clear();
      // A wakeup or a spurious return just leads to one more call; the deadline stays.
      side.selector.select(waitMillis(deadline));
    } catch (ClosedSelectorException | CancelledKeyException e) {
      // close() in another thread closed the transport or the selectors between our check and
      // the select.
      if (closed && !closing) {
        throw asyncClose(e);
      }
      throw transportClosed();
    }
  }

  /**
   * How long a select may wait: until the caller's timeout or the connection's own next deadline
   * (handshake, idle, close), whichever comes first; 0 = no limit. The next call then checks the
   * connection's deadlines.
   */
  private long waitMillis(long deadline) {
    long connDeadline;
    engineLock.lock();
    try {
      connDeadline = conn.nextDeadline();
    } finally {
      engineLock.unlock();
    }
    long until = deadline == 0 ? connDeadline : Math.min(deadline, connDeadline);
    if (until == Long.MAX_VALUE) {
      return 0;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()) + 1);
  }

  private void awaitProgress(long deadline, boolean closing) throws IOException {
    engineLock.lock();
    try {
      // Checked under the lock the reader signals under: its progress cannot slip in between.
      if (conn.hasBuffered() && (closing || !closed)) {
        long left = deadline == 0 ? WAIT_SLICE : deadline - System.nanoTime();
        progress.awaitNanos(Math.min(left, WAIT_SLICE));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the reader", e);
    } finally {
      engineLock.unlock();
    }
  }

  private void awaitTask(long deadline, boolean closing) throws IOException {
    engineLock.lock();
    try {
      // The callback clears the flag before it signals under this lock: no lost wake-up. close()
      // signals under it too, after setting its flag.
      while (conn.taskRunning() && (closing || !closed)) {
        long left = deadline == 0 ? WAIT_SLICE : deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("delegated task still running at the timeout");
        }
        taskFinished.awaitNanos(Math.min(left, WAIT_SLICE));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while a delegated task ran", e);
    } finally {
      engineLock.unlock();
    }
  }
}
