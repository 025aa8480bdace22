package dev.tlsloop;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngineResult;

/**
 * Hears everything a {@link TlsConnection} does: state transitions, each engine call and why it was
 * made, the bytes crossing the transport, delegated tasks and buffer events. Drives traces and
 * counters; the connection itself logs nothing. When no listener is set the connection makes no
 * call and builds no argument, so tracing costs nothing when off.
 *
 * <p>Callbacks run on the thread that drives the connection (a task's completion on the executor's
 * thread). They must not call back into the connection nor modify the buffers they are shown.
 */
public interface TlsListener {
  /** The three buffers, by role. */
  enum BufferRole {
    /** Ciphertext read from the transport, not yet unwrapped. */
    NET_IN,
    /** Plaintext unwrapped, not yet taken by the caller. */
    APP_IN,
    /** Ciphertext wrapped, not yet written to the transport. */
    NET_OUT
  }

  /** What happened to a buffer. */
  enum BufferEvent {
    /** First allocated (lazily, when first needed). */
    ALLOCATE,
    /** Replaced by a larger one because the session allows larger records. */
    GROW,
    /** Given back to the allocator because it was empty (idle release). */
    RELEASE
  }

  /**
   * The connection moved from {@code from} to {@code to}. On a move to {@link TlsState#FAILED},
   * {@link TlsConnection#failure()} already holds the cause.
   */
  default void onStateChange(TlsConnection connection, TlsState from, TlsState to) {}

  /** The initial handshake finished. Fires exactly once per connection. */
  default void onHandshakeFinished(TlsConnection connection) {}

  /** {@code SSLEngine.wrap} returned {@code result}; {@code why} says why the loop called it. */
  default void onWrap(TlsConnection connection, String why, SSLEngineResult result) {}

  /** {@code SSLEngine.unwrap} returned {@code result}; {@code why} says why the loop called it. */
  default void onUnwrap(TlsConnection connection, String why, SSLEngineResult result) {}

  /**
   * Ciphertext just read from the transport: bytes {@code [offset, offset + length)} of {@code
   * buffer}, by absolute index. Valid only during the call (the engine decrypts in place later).
   * Pre-read bytes a connection starts with are reported once, from its constructor.
   */
  default void onTransportRead(
      TlsConnection connection, ByteBuffer buffer, int offset, int length) {}

  /** Ciphertext just written to the transport, as for {@link #onTransportRead}. */
  default void onTransportWrite(
      TlsConnection connection, ByteBuffer buffer, int offset, int length) {}

  /** The transport reported end of stream. */
  default void onTransportEof(TlsConnection connection) {}

  /** A delegated task ran for {@code nanos}; {@code offloaded} if it ran on the executor. */
  default void onTask(TlsConnection connection, long nanos, boolean offloaded) {}

  /** A buffer was allocated, grown or released; {@code capacity} is its size after the event. */
  default void onBuffer(
      TlsConnection connection, BufferRole role, BufferEvent event, int capacity) {}
}
