package dev.tlsloop;

/**
 * What a {@link TlsConnection} waits for after a call that could not finish. Would-block is this
 * value, never an exception.
 */
public enum TlsNeed {
  /** Nothing: the call finished. (Call again if {@link TlsConnection#hasBuffered()}.) */
  NOTHING,
  /** The transport must become readable (select OP_READ). */
  READ,
  /** The transport must become writable (select OP_WRITE): ciphertext is waiting in netOut. */
  WRITE,
  /** A delegated task runs on the configured executor; its completion callback says when. */
  TASK
}
