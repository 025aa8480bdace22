package dev.tlsloop.loop;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsState;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import javax.net.ssl.SSLSession;

/**
 * A {@link TlsHandler}'s view of its connection in a {@link TlsLoopGroup}. Everything but {@link
 * #close()}, {@link #abort()} and {@link #execute} must be called on the connection's loop thread
 * (inside a handler callback, or in a task given to {@link #execute}); elsewhere it throws {@link
 * IllegalStateException}.
 */
public final class LoopConnection {
  final TlsLoop loop;
  final TlsConnection tls;
  final SocketChannel channel;
  final TlsHandler handler;
  final SendQueue out;
  final SocketAddress remote;

  SelectionKey key;

  /** Where this connection is in its loop's life cycle (beside the TLS state of {@link #tls}). */
  Phase phase;

  /** Unread plaintext the handler left, offered again before reading; null when none. */
  ByteBuffer kept;

  /** The handler asked to pause reading. */
  boolean readPaused;

  /** The send queue filled up; {@link TlsHandler#onWritable} is owed once it drains. */
  boolean owesWritable;

  /** {@link #close()} was asked: send what is queued, then close_notify. */
  boolean closeRequested;

  /** The peer's close_notify came before any close of ours. */
  boolean peerClosedFirst;

  /** Turns in a row a read returned 0 although records were buffered (bounded retries). */
  int strandedRetries;

  /** Counted in its loop's handshake slots. */
  boolean holdsHandshakeSlot;

  /** System.nanoTime() by which the TCP connect must finish (clients), else MAX_VALUE. */
  long connectDeadline = Long.MAX_VALUE;

  /** The deadline its loop's timer holds for it (MAX_VALUE: none). */
  long timerAt = Long.MAX_VALUE;

  /** The loop turn in which it was last served, so that a turn serves it once. */
  long servedInTurn = -1;

  /** Phases of a connection in its loop. */
  enum Phase {
    /** TCP connect in progress (clients). */
    CONNECTING,
    /** Waiting, unread, for a handshake slot. */
    WAITING,
    /** Registered and served. */
    ACTIVE,
    /** Ended; handler told. */
    ENDED
  }

  LoopConnection(
      TlsLoop loop,
      TlsConnection tls,
      SocketChannel channel,
      SocketAddress remote,
      TlsHandler handler,
      Phase phase) {
    this.loop = loop;
    this.tls = tls;
    this.channel = channel;
    this.handler = Objects.requireNonNull(handler, "handler");
    this.out = new SendQueue(loop.chunks, loop.options.sendQueueBytes);
    this.remote = remote;
    this.phase = phase;
  }

  /**
   * Queues plaintext to send, copying what fits in the send queue ({@link
   * LoopOptions#sendQueueBytes}); {@code src}'s position moves past what was taken. Returns true if
   * all of it was taken; false if the queue is full, in which case {@link TlsHandler#onWritable}
   * follows once it has drained to half.
   *
   * @throws IllegalStateException after {@link #close()}, or off the loop thread
   */
  public boolean send(ByteBuffer src) {
    loop.checkThread();
    if (closeRequested || phase == Phase.ENDED) {
      throw new IllegalStateException("send after close: connection " + tls.state());
    }
    boolean all = out.offer(src);
    if (!all) {
      owesWritable = true;
    }
    loop.wantService(this);
    return all;
  }

  /** Whether {@link #send} would take at least one byte now. */
  public boolean isWritable() {
    loop.checkThread();
    return !out.isFull();
  }

  /** Plaintext bytes queued and not yet taken by the engine. */
  public int queuedBytes() {
    loop.checkThread();
    return out.queued();
  }

  /**
   * Stops reading from this connection until {@link #resumeReading()}: TCP pushes the peer back.
   */
  public void pauseReading() {
    loop.checkThread();
    readPaused = true;
  }

  /** Reads again; kept plaintext is offered first. */
  public void resumeReading() {
    loop.checkThread();
    if (readPaused) {
      readPaused = false;
      loop.wantService(this);
    }
  }

  /**
   * Closes gracefully: reading stops, what is queued is sent, then close_notify; the connection
   * ends once the peer answered or the close timeout passed. Safe from any thread.
   */
  public void close() {
    loop.runOnLoop(() -> loop.requestClose(this)); // on the loop: at once, nothing more delivered
  }

  /**
   * Ends the connection at once, without close_notify (the peer sees a truncation): what is queued
   * is dropped. Safe from any thread.
   */
  public void abort() {
    loop.runOnLoop(
        () -> loop.abort(this, CloseCause.ABORTED, new IOException("aborted by the application")));
  }

  /** Runs {@code task} on this connection's loop thread, waking it. Safe from any thread. */
  public void execute(Runnable task) {
    loop.execute(task);
  }

  /** Whether the current thread is this connection's loop thread. */
  public boolean inLoop() {
    return loop.inLoop();
  }

  /**
   * The negotiated session (after {@link TlsHandler#onHandshake}); null on a server routing by
   * server name until the ClientHello was read.
   */
  public SSLSession session() {
    return tls.session();
  }

  /** The TLS state of the connection. */
  public TlsState state() {
    return tls.state();
  }

  /** The peer's address. */
  public SocketAddress remoteAddress() {
    return remote;
  }

  /**
   * The underlying connection, for its facts (state, session, failure) and to set a listener in
   * {@link TlsHandler#onOpen}. Do not read, write or close through it: the loop does.
   */
  public TlsConnection tls() {
    return tls;
  }

  /** Buffer capacity this connection holds now (TLS buffers, send queue, kept plaintext). */
  long bytesHeld() {
    return out.bytesHeld() + (kept == null ? 0 : kept.capacity()) + tls.bufferCapacities().total();
  }

  @Override
  public String toString() {
    return "LoopConnection[" + remote + " " + phase + " " + tls + "]";
  }
}
