package dev.tlsloop.trace;

import dev.tlsloop.internal.RecordHeader;
import java.util.List;

/**
 * One TLS record as seen on the wire, decoded from its 5-byte header (RFC 8446 section 5.1, RFC
 * 5246 section 6.2.1): content type (1 byte), legacy version (2 bytes), length (2 bytes), then
 * {@code length} bytes of fragment. For plaintext handshake records it also names the handshake
 * messages completed in it and the facts decoded from them. Immutable.
 */
final class TlsRecord {
  /** Content type used for input that is not a TLS record at all. */
  static final int NOT_TLS = -1;

  private final String direction;
  private final int contentType;
  private final int legacyVersion;
  private final int length;
  private final boolean encrypted;
  private final List<String> handshakeMessages;
  private final List<String> details;

  TlsRecord(
      String direction,
      int contentType,
      int legacyVersion,
      int length,
      boolean encrypted,
      List<String> handshakeMessages,
      List<String> details) {
    this.direction = direction;
    this.contentType = contentType;
    this.legacyVersion = legacyVersion;
    this.length = length;
    this.encrypted = encrypted;
    this.handshakeMessages = List.copyOf(handshakeMessages);
    this.details = List.copyOf(details);
  }

  /** The direction label given to the decoder, e.g. "client->server" or "out". */
  String direction() {
    return direction;
  }

  /** The outer content type byte (20..24), or {@link #NOT_TLS}. */
  int contentType() {
    return contentType;
  }

  /** The content type's name, e.g. "handshake"; "not TLS" for garbage. */
  String contentTypeName() {
    return contentType == NOT_TLS ? "not TLS" : TraceNames.contentType(contentType);
  }

  /** The legacy record version (0x0301 or 0x0303 in practice; frozen by TLS 1.3). */
  int legacyVersion() {
    return legacyVersion;
  }

  /** The legacy version as text, e.g. "TLS 1.2 (0x0303)". */
  String legacyVersionName() {
    return TraceNames.version(legacyVersion);
  }

  /** The fragment length from the header (the record is 5 bytes longer on the wire). */
  int length() {
    return length;
  }

  /** Bytes on the wire: header plus fragment. */
  int wireLength() {
    return contentType == NOT_TLS ? length : RecordHeader.HEADER + length;
  }

  /** Whether the fragment is protected, so its content cannot be read from the wire. */
  boolean encrypted() {
    return encrypted;
  }

  /** Whether this is a real TLS record (false for the single record reporting garbage). */
  boolean isTls() {
    return contentType != NOT_TLS;
  }

  /** Names of the handshake messages that completed in this record, e.g. [ServerHello]. */
  List<String> handshakeMessages() {
    return handshakeMessages;
  }

  /** Decoded facts, e.g. "SNI=localhost", "suite=TLS_AES_128_GCM_SHA256". */
  List<String> details() {
    return details;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(direction)
        .append(' ')
        .append(contentTypeName())
        .append(' ')
        .append(legacyVersionName())
        .append(' ')
        .append(length)
        .append(" B");
    if (encrypted) {
      sb.append(" encrypted");
    }
    if (!handshakeMessages.isEmpty()) {
      sb.append(' ').append(String.join(", ", handshakeMessages));
    }
    if (!details.isEmpty()) {
      sb.append(' ').append(String.join(" ", details));
    }
    return sb.toString();
  }
}
