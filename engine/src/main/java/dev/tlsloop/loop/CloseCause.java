package dev.tlsloop.loop;

/** Why a {@link LoopConnection} ended, as told to {@link TlsHandler#onClosed}. */
public enum CloseCause {
  /** The peer sent close_notify: its stream ended cleanly (ours was closed after it). */
  PEER_CLOSED,
  /** We closed ({@link LoopConnection#close()} or a graceful shutdown) with close_notify. */
  LOCAL_CLOSE,
  /** The transport ended without the peer's close_notify: its stream may be cut short. */
  TRUNCATED,
  /** A deadline passed: connect, handshake, idle or close (the error says which). */
  TIMEOUT,
  /** A TLS error: an alert received, or one sent because the peer's bytes were wrong. */
  TLS_ERROR,
  /** The transport failed (connection refused, reset, ...). */
  IO_ERROR,
  /** The handler threw; the connection was aborted without close_notify. */
  HANDLER_ERROR,
  /** Dropped to make room: the loop was at its connection cap and this one was handshaking. */
  EVICTED,
  /**
   * Aborted without close_notify: {@link LoopConnection#abort()}, or a shutdown's grace ran out.
   */
  ABORTED
}
