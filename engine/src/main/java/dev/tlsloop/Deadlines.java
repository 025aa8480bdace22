package dev.tlsloop;

/**
 * The three deadlines of one connection, on the {@link System#nanoTime()} clock. A connection only
 * records when things happened; whoever drives it (an event loop, {@link TlsChannel}) asks {@link
 * #next} when to look again and {@link #expired} whether to give up.
 *
 * <ul>
 *   <li><b>Handshake</b>: from the connection's creation until the handshake finished. A peer that
 *       connects and sends nothing, or drips a ClientHello, is dropped after it.
 *   <li><b>Idle</b>: once open, from the last byte moved either way on the transport. A peer that
 *       stops halfway through a record is dropped after it.
 *   <li><b>Close</b>: from our close_notify until both directions are closed. A peer that never
 *       answers close_notify (or never reads it) is dropped after it.
 * </ul>
 *
 * A timeout of 0 disables that deadline.
 */
final class Deadlines {
  private final long handshakeNanos;
  private final long idleNanos;
  private final long closeNanos;

  private final long createdAt;
  private long lastActivity;
  private long closingSince;
  private boolean closing;

  Deadlines(long handshakeNanos, long idleNanos, long closeNanos, long now) {
    this.handshakeNanos = handshakeNanos;
    this.idleNanos = idleNanos;
    this.closeNanos = closeNanos;
    this.createdAt = now;
    this.lastActivity = now;
  }

  /** Bytes moved on the transport: the idle clock starts again. */
  void activity(long now) {
    lastActivity = now;
  }

  /** Our close_notify is on its way: the close clock starts (once). */
  void closing(long now) {
    if (!closing) {
      closing = true;
      closingSince = now;
    }
  }

  /** The earliest deadline that applies in {@code state}, or {@link Long#MAX_VALUE} for none. */
  long next(TlsState state) {
    if (state.isTerminal()) {
      return Long.MAX_VALUE;
    }
    long next = Long.MAX_VALUE;
    if (handshakeNanos > 0 && (state == TlsState.NEW || state == TlsState.HANDSHAKING)) {
      next = createdAt + handshakeNanos;
    }
    if (closeNanos > 0 && closing) {
      next = Math.min(next, closingSince + closeNanos);
    }
    if (idleNanos > 0 && state != TlsState.NEW && state != TlsState.HANDSHAKING) {
      next = Math.min(next, lastActivity + idleNanos);
    }
    return next;
  }

  /** Which deadline passed at {@code now}, or null if none did. */
  TlsTimeoutException expired(TlsState state, long now) {
    long next = next(state);
    if (next == Long.MAX_VALUE || now - next < 0) {
      return null;
    }
    if (closing && closeNanos > 0 && now - (closingSince + closeNanos) >= 0) {
      return new TlsTimeoutException(
          TlsTimeoutException.Kind.CLOSE,
          "close timed out: the peer did not complete the closure within " + millis(closeNanos));
    }
    if (state == TlsState.NEW || state == TlsState.HANDSHAKING) {
      return new TlsTimeoutException(
          TlsTimeoutException.Kind.HANDSHAKE,
          "handshake timed out: not finished within " + millis(handshakeNanos));
    }
    return new TlsTimeoutException(
        TlsTimeoutException.Kind.IDLE,
        "idle timeout: no byte moved either way for " + millis(idleNanos));
  }

  private static String millis(long nanos) {
    return (nanos / 1_000_000) + " ms";
  }
}
