package dev.tlsloop;

/**
 * The life cycle of a {@link TlsConnection}. Every change goes through one method of the
 * connection, which checks it against {@link #canMoveTo} and tells the {@link TlsListener}.
 *
 * <pre>
 * NEW ──first handshake()/read()/write()──────────────> HANDSHAKING
 * NEW ──close() / shutdownOutput()───────────────────> CLOSED
 * HANDSHAKING ──first FINISHED / NOT_HANDSHAKING──────> OPEN
 * HANDSHAKING ──close() / shutdownOutput()────────────> CLOSED   (handshake abandoned)
 * OPEN ──peer's close_notify unwrapped────────────────> INBOUND_CLOSED
 * OPEN ──our close_notify wrapped─────────────────────> OUTBOUND_CLOSED
 * OPEN ──both at once (close())───────────────────────> CLOSED
 * INBOUND_CLOSED ──our close_notify wrapped / close()─> CLOSED
 * OUTBOUND_CLOSED ──peer's close_notify / close()─────> CLOSED
 * any but CLOSED ──SSLException, truncation, I/O error, deadline, abort()> FAILED
 * </pre>
 *
 * KeyUpdate, NewSessionTicket and TLS 1.2 renegotiation happen inside OPEN: they are engine
 * traffic, not a change of what the caller may do.
 */
public enum TlsState {
  /** Created; nothing sent or received yet. */
  NEW,
  /** The initial handshake is running; no application data can be read yet. */
  HANDSHAKING,
  /** Handshake finished; application data flows both ways. */
  OPEN,
  /** The peer sent close_notify: reads return -1, writes still work (TLS 1.3 half-close). */
  INBOUND_CLOSED,
  /** We sent close_notify: writes are refused, reads still work until the peer closes. */
  OUTBOUND_CLOSED,
  /** Both directions are closed (or the connection was closed before it opened). Terminal. */
  CLOSED,
  /**
   * A protocol or transport error, a passed deadline ({@link TlsTimeoutException}) or {@link
   * TlsConnection#abort} ended the connection. Terminal.
   */
  FAILED;

  /** Whether the transition {@code this -> next} is one of the documented ones. */
  public boolean canMoveTo(TlsState next) {
    if (next == FAILED) {
      return this != CLOSED && this != FAILED;
    }
    switch (this) {
      case NEW:
        return next == HANDSHAKING || next == CLOSED;
      case HANDSHAKING:
        return next == OPEN || next == CLOSED;
      case OPEN:
        return next == INBOUND_CLOSED || next == OUTBOUND_CLOSED || next == CLOSED;
      case INBOUND_CLOSED:
      case OUTBOUND_CLOSED:
        return next == CLOSED;
      default:
        return false;
    }
  }

  /** Whether this state is final. */
  public boolean isTerminal() {
    return this == CLOSED || this == FAILED;
  }
}
