package dev.tlsloop;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A blocking TLS channel over a {@link TlsConnection}, for code that just wants a TLS socket.
 *
 * <p><b>Threads.</b> One reader thread and one writer thread may use it at the same time. Over a
 * {@link SelectableChannel} (a {@code SocketChannel}) the transport is switched to non-blocking
 * mode and each side waits on its own selector, so a blocked reader never holds up the writer;
 * timeouts ({@link #setTimeout}) then apply. Over any other channel the transport's own blocking
 * calls are used and all calls are serialized.
 */
public final class TlsChannel implements ByteChannel, GatheringByteChannel, ScatteringByteChannel {
  private final TlsConnection conn;
  private final ByteChannel transport;

  /**
   * The reader's and the writer's own selectors (null when the transport is not selectable: its
   * blocking calls do the waiting). Each thread waits only on its own, with the interest it needs
   * (a reader may wait to write a KeyUpdate reply, a writer to read the peer's KeyUpdate answer),
   * so neither ever queues behind the other's select.
   */
  private final Selector readerSelector;

  private final Selector writerSelector;
  private final SelectionKey readerKey;
  private final SelectionKey writerKey;

  private final ReentrantLock readLock = new ReentrantLock();
  private final ReentrantLock writeLock = new ReentrantLock();

  /** Held only while calling the connection, never while waiting for I/O on a selector. */
  private final ReentrantLock engineLock = new ReentrantLock();

  private final Condition taskFinished = engineLock.newCondition();

  /** Signalled after every engine call that moved something: the other side may go on. */
  private final Condition progress = engineLock.newCondition();

  /** Whether netOut held ciphertext after the last engine call. */
  private volatile boolean outputPending;

  private volatile TlsNeed readerWaits = TlsNeed.NOTHING;
  private volatile TlsNeed writerWaits = TlsNeed.NOTHING;
  private volatile long timeoutNanos;

  /** Results of the last engine call, read by the thread that made it (under its side's lock). */
  private long lastRead;

  private long lastWrite;
  private final ByteBuffer[] readOne = new ByteBuffer[1];
  private final ByteBuffer[] writeOne = new ByteBuffer[1];

  TlsChannel(TlsConnection conn, ByteChannel transport) {
    this.conn = conn;
    this.transport = transport;
    conn.setTaskCompletionCallback(this::onTaskFinished);
    if (transport instanceof SelectableChannel) {
      try {
        SelectableChannel sc = (SelectableChannel) transport;
        sc.configureBlocking(false);
        readerSelector = Selector.open();
        writerSelector = Selector.open();
        readerKey = sc.register(readerSelector, SelectionKey.OP_READ);
        writerKey = sc.register(writerSelector, SelectionKey.OP_WRITE);
      } catch (IOException e) {
        throw new IllegalStateException("cannot prepare selectors for " + transport, e);
      }
    } else {
      readerSelector = null;
      writerSelector = null;
      readerKey = null;
      writerKey = null;
    }
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
    writeLock.lock();
    try {
      long deadline = deadline();
      while (true) {
        TlsNeed need = engineCall(Op.HANDSHAKE, null, 0, 0);
        if (need == TlsNeed.NOTHING && conn.state() != TlsState.HANDSHAKING) {
          return;
        }
        await(need, true, deadline);
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    readLock.lock();
    try {
      readOne[0] = dst;
      return (int) read(readOne, 0, 1);
    } finally {
      readOne[0] = null;
      readLock.unlock();
    }
  }

  @Override
  public long read(ByteBuffer[] dsts) throws IOException {
    return read(dsts, 0, dsts.length);
  }

  /** Blocks until at least one byte is read, or returns -1 after the peer's close_notify. */
  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    readLock.lock();
    try {
      long deadline = deadline();
      while (true) {
        TlsNeed need = engineCall(Op.READ, dsts, offset, length);
        if (lastRead != 0 || need == TlsNeed.NOTHING) {
          return lastRead;
        }
        await(need, false, deadline);
      }
    } finally {
      readLock.unlock();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    writeLock.lock();
    try {
      writeOne[0] = src;
      return (int) write(writeOne, 0, 1);
    } finally {
      writeOne[0] = null;
      writeLock.unlock();
    }
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  /** Blocks until all of {@code srcs} is encrypted and written to the transport. */
  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    writeLock.lock();
    try {
      long total = 0;
      long deadline = deadline();
      while (true) {
        TlsNeed need = engineCall(Op.WRITE, srcs, offset, length);
        total += lastWrite;
        if (need == TlsNeed.NOTHING) {
          return total; // all consumed and flushed
        }
        if (lastWrite > 0) {
          deadline = deadline(); // the timeout bounds a stall, not a long transfer
        }
        await(need, true, deadline);
      }
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Sends close_notify and waits until it is written; reading goes on until the peer's close_notify
   * (TLS 1.3 half-close).
   */
  public void shutdownOutput() throws IOException {
    writeLock.lock();
    try {
      long deadline = deadline();
      while (true) {
        TlsNeed need = engineCall(Op.SHUTDOWN, null, 0, 0);
        if (need == TlsNeed.NOTHING) {
          return;
        }
        await(need, true, deadline);
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public boolean isOpen() {
    return transport.isOpen() && !conn.state().isTerminal();
  }

  /** Sends close_notify (waiting for it to be written, within the timeout) and closes. */
  @Override
  public void close() throws IOException {
    try {
      if (!conn.state().isTerminal() && conn.state() != TlsState.NEW) {
        try {
          shutdownOutput();
        } catch (IOException e) {
          // The peer may be gone; closing still has to release everything.
        }
      }
    } finally {
      engineLock.lock();
      try {
        conn.close();
      } finally {
        engineLock.unlock();
        if (readerSelector != null) {
          readerSelector.close();
          writerSelector.close();
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  private enum Op {
    HANDSHAKE,
    READ,
    WRITE,
    SHUTDOWN
  }

  /** Calls the connection under the engine lock; returns what it waits for. */
  private TlsNeed engineCall(Op op, ByteBuffer[] bufs, int offset, int length) throws IOException {
    TlsNeed need;
    boolean progressed;
    engineLock.lock();
    try {
      if (conn.checkDeadlines(System.nanoTime())) {
        throw conn.failure(); // the connection's own deadline (TlsConfig timeouts) passed
      }
      TlsState before = conn.state();
      switch (op) {
        case READ:
          lastRead = conn.read(bufs, offset, length);
          progressed = lastRead != 0;
          break;
        case WRITE:
          lastWrite = conn.write(bufs, offset, length);
          progressed = lastWrite != 0;
          break;
        case SHUTDOWN:
          conn.shutdownOutput();
          progressed = false;
          break;
        default:
          conn.handshake();
          progressed = false;
          break;
      }
      need = conn.need();
      outputPending = conn.hasPendingOutput();
      progressed |= before != conn.state() || conn.hasBuffered();
      if (progressed) {
        progress.signalAll();
      }
    } finally {
      engineLock.unlock();
    }
    if (progressed && readerSelector != null) {
      // The other side may wait for something this call just did (plaintext it must take, a
      // handshake or KeyUpdate answer it waited for): let it look again.
      if (writer(op) ? readerWaits != TlsNeed.NOTHING : writerWaits != TlsNeed.NOTHING) {
        (writer(op) ? readerSelector : writerSelector).wakeup();
      }
    }
    return need;
  }

  private static boolean writer(Op op) {
    return op != Op.READ;
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

  /** Waits until the transport can do what {@code need} says, or a task finished. */
  private void await(TlsNeed need, boolean writer, long deadline) throws IOException {
    if (!transport.isOpen()) {
      throw new ClosedChannelException();
    }
    long left = deadline == 0 ? 0 : deadline - System.nanoTime();
    if (deadline != 0 && left <= 0) {
      throw new SocketTimeoutException(
          "TLS " + (writer ? "write" : "read") + " timed out waiting for " + need);
    }
    if (need == TlsNeed.TASK) {
      awaitTask(deadline);
      return;
    }
    if (readerSelector == null) {
      return; // the blocking transport waits inside the next call
    }
    if (writer && need == TlsNeed.READ && conn.hasBuffered()) {
      // The engine needs the peer's next record (a KeyUpdate answer, a renegotiation flight)
      // but plaintext nobody has read yet is in front of it: only the reader can free it.
      awaitProgress(deadline);
      return;
    }
    Selector selector = writer ? writerSelector : readerSelector;
    SelectionKey key = writer ? writerKey : readerKey;
    int ops = need == TlsNeed.WRITE ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    if (outputPending) {
      ops |= SelectionKey.OP_WRITE; // a control record waits to go out while we wait for input
    }
    key.interestOps(ops);
    if (writer) {
      writerWaits = need;
    } else {
      readerWaits = need;
    }
    try {
      selector.selectedKeys().clear();
      // A wakeup or a spurious return just leads to one more call; the deadline stays.
      selector.select(waitMillis(deadline));
    } finally {
      if (writer) {
        writerWaits = TlsNeed.NOTHING;
      } else {
        readerWaits = TlsNeed.NOTHING;
      }
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

  private void awaitProgress(long deadline) throws IOException {
    engineLock.lock();
    try {
      if (conn.hasBuffered()) {
        long left =
            deadline == 0 ? TimeUnit.MILLISECONDS.toNanos(100) : deadline - System.nanoTime();
        progress.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the reader", e);
    } finally {
      engineLock.unlock();
    }
  }

  private void awaitTask(long deadline) throws IOException {
    engineLock.lock();
    try {
      // The callback clears the flag before it signals under this lock: no lost wake-up.
      while (conn.taskRunning()) {
        if (deadline == 0) {
          taskFinished.await();
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new SocketTimeoutException("delegated task still running at the timeout");
          }
          taskFinished.awaitNanos(left);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while a delegated task ran", e);
    } finally {
      engineLock.unlock();
    }
  }
}
