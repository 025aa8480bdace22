package dev.tlsloop;

import java.io.IOException;

/**
 * A connection deadline passed (see {@link TlsConfig.Builder#handshakeTimeout}, {@link
 * TlsConfig.Builder#idleTimeout}, {@link TlsConfig.Builder#closeTimeout}); the connection is then
 * {@link TlsState#FAILED} and its transport closed.
 */
public final class TlsTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Which deadline passed. */
  public enum Kind {
    /** The handshake did not finish in time. */
    HANDSHAKE,
    /** No byte moved either way on the transport for the idle timeout. */
    IDLE,
    /** The closure (our close_notify out, the peer's in) did not complete in time. */
    CLOSE
  }

  private final Kind kind;

  TlsTimeoutException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** Which deadline passed. */
  public Kind kind() {
    return kind;
  }
}
