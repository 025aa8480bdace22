package dev.tlsloop;

import javax.net.ssl.SSLException;

/**
 * The transport ended without the peer's close_notify. An attacker who can drop a TCP segment can
 * cut a response short, so this is an error and never a clean end of stream (RFC 8446 section 6.1;
 * RFC 5246 section 7.2.1).
 */
public final class TlsTruncationException extends SSLException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that says what was cut short. */
  public TlsTruncationException(String message) {
    super(message);
  }
}
