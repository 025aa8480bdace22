package dev.tlsloop.trace;

/**
 * What the two directions of one connection learned from its plaintext hellos, shared by their
 * {@link RecordDecoder}s: the ServerHello travels one way but changes how the other way is read
 * (TLS 1.3 encrypts everything after it, RFC 8446 section 2) and whether the session was resumed
 * needs the ClientHello's session id.
 */
final class HandshakeFacts {
  /** The ClientHello's legacy_session_id, or null before one was seen. */
  byte[] clientSessionId;

  /** Whether the ClientHello offered TLS 1.3 (in supported_versions). */
  boolean offeredTls13;

  /** Whether the ClientHello offered ALPN protocols. */
  boolean offeredAlpn;

  /** The version the ServerHello chose (supported_versions if present), or 0 before. */
  int version;

  /** The cipher suite the ServerHello chose, or -1 before. */
  int cipherSuite = -1;

  /** Whether the server accepted resumption (TLS 1.3 pre_shared_key, TLS 1.2 echoed id). */
  boolean resumed;

  /** Whether a HelloRetryRequest was seen (RFC 8446 section 4.1.4). */
  boolean helloRetry;

  boolean isTls13() {
    return version == 0x0304;
  }
}
