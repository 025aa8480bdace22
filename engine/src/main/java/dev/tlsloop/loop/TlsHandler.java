package dev.tlsloop.loop;

import java.nio.ByteBuffer;

/**
 * Application code for one connection of a {@link TlsLoopGroup}: one instance per connection, every
 * method called on that connection's loop thread, never two at once.
 *
 * <p><b>Push model.</b> The loop reads and hands each piece of plaintext to {@link #onData}. Bytes
 * the handler leaves in {@code data} are kept and offered again, first, before anything new is
 * read; meanwhile the loop stops reading that connection (its peer is pushed back by TCP). That is
 * inbound backpressure: take only what you can handle. The offer is repeated after {@link
 * #onWritable} and after {@link LoopConnection#resumeReading()}.
 *
 * <p><b>Outbound backpressure.</b> {@link LoopConnection#send} copies into a bounded queue and
 * returns false once it is full; {@link #onWritable} follows when it has drained to half.
 *
 * <p>A handler that throws closes its own connection ({@link CloseCause#HANDLER_ERROR}), never the
 * loop or other connections.
 */
public interface TlsHandler {
  /** The connection exists (accepted or connected); nothing has been read yet. */
  default void onOpen(LoopConnection conn) {}

  /** The handshake finished; {@link LoopConnection#session()} is the negotiated session. */
  default void onHandshake(LoopConnection conn) {}

  /**
   * Plaintext arrived, {@code data} in read mode. Take what you can; what you leave is offered
   * again later and reading pauses until then. {@code data} is only valid during the call.
   */
  void onData(LoopConnection conn, ByteBuffer data);

  /** The send queue, full before, has drained to half its limit: send again. */
  default void onWritable(LoopConnection conn) {}

  /**
   * The connection ended and released everything; {@code error} is null for the clean causes
   * ({@link CloseCause#PEER_CLOSED}, {@link CloseCause#LOCAL_CLOSE}).
   */
  default void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {}
}
