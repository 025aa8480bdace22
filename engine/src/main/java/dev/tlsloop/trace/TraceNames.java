package dev.tlsloop.trace;

/** Name tables for the numbers on the wire: content types, versions, handshake types. */
final class TraceNames {
  private TraceNames() {}

  /** Record content types, RFC 8446 section 5.1 and RFC 6520 (heartbeat). */
  static String contentType(int type) {
    switch (type) {
      case 20:
        return "change_cipher_spec";
      case 21:
        return "alert";
      case 22:
        return "handshake";
      case 23:
        return "application_data";
      case 24:
        return "heartbeat";
      default:
        return "unknown(" + type + ")";
    }
  }

  /** Protocol versions: 0x0300 SSL 3.0, 0x0301..0x0304 TLS 1.0..1.3. */
  static String version(int v) {
    String hex = String.format("0x%04x", v);
    if (v >= 0x0301 && v <= 0x0304) {
      return "TLS 1." + (v - 0x0301) + " (" + hex + ")";
    }
    if (v == 0x0300) {
      return "SSL 3.0 (" + hex + ")";
    }
    return "unknown (" + hex + ")";
  }
}
