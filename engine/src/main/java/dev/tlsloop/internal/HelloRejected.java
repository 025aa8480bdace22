package dev.tlsloop.internal;

import javax.net.ssl.SSLProtocolException;

/**
 * Why a server refused a ClientHello before any engine existed, with the fatal alert that tells the
 * client (RFC 8446 section 6.2). The only exception {@link ClientHelloSniffer} throws.
 */
public final class HelloRejected extends SSLProtocolException {
  private static final long serialVersionUID = 1L;

  /** unexpected_message: not a handshake record, not a ClientHello (RFC 8446 section 6.2). */
  public static final int UNEXPECTED_MESSAGE = 10;

  /** record_overflow: a record longer than 2^14 bytes (RFC 8446 section 5.1). */
  public static final int RECORD_OVERFLOW = 22;

  /** illegal_parameter: a field well formed but not acceptable (RFC 8446 section 6.2). */
  public static final int ILLEGAL_PARAMETER = 47;

  /** decode_error: a length that does not fit what encloses it (RFC 8446 section 6.2). */
  public static final int DECODE_ERROR = 50;

  /**
   * protocol_version: an SSL 2.0-compatible hello (RFC 5246 appendix E.2); we speak 1.2 and 1.3.
   */
  public static final int PROTOCOL_VERSION = 70;

  /** unrecognized_name: strict server-name routing knows no such name (RFC 6066 section 3). */
  public static final int UNRECOGNIZED_NAME = 112;

  private final int alert;

  /** A rejection sending alert description {@code alert}; {@code message} says what was wrong. */
  public HelloRejected(int alert, String message) {
    super(message);
    this.alert = alert;
  }

  /** The AlertDescription to send. */
  public int alert() {
    return alert;
  }

  /**
   * The whole plaintext alert record: type alert, version 3.3, length 2, level fatal (2), the
   * description (RFC 8446 sections 5.1 and 6). No keys exist yet, so it goes out unprotected.
   */
  public byte[] alertRecord() {
    return new byte[] {
      (byte) RecordHeader.ALERT, 3, 3, 0, 2, 2, (byte) alert,
    };
  }
}
