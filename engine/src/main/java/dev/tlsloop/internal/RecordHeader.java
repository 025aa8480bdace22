package dev.tlsloop.internal;

import java.nio.ByteBuffer;

/**
 * The one reader of the TLS record layer's 5-byte header (RFC 8446 section 5.1, RFC 5246 section
 * 6.2.1): {@code type(1) legacy_record_version(2) length(2)}, then {@code length} bytes of
 * fragment. Static and allocation-free: the connection asks it on every read. Indexes are absolute
 * (a buffer's position and limit are neither used nor changed), and the caller checks that the
 * header bytes are there ({@link #HEADER} of them).
 */
public final class RecordHeader {
  /** Bytes in a record header. */
  public static final int HEADER = 5;

  /** ContentType change_cipher_spec (RFC 8446 section 5.1). */
  public static final int CHANGE_CIPHER_SPEC = 20;

  /** ContentType alert. */
  public static final int ALERT = 21;

  /** ContentType handshake. */
  public static final int HANDSHAKE = 22;

  /** ContentType application_data (in TLS 1.3 also the outer type of every protected record). */
  public static final int APPLICATION_DATA = 23;

  /** ContentType heartbeat (RFC 6520): named by traces, never sent by the JDK. */
  public static final int HEARTBEAT = 24;

  /** The largest plaintext fragment, 2^14 bytes (RFC 8446 section 5.1, RFC 5246 section 6.2.1). */
  public static final int MAX_PLAINTEXT = 1 << 14;

  private RecordHeader() {}

  /** The content type of the record whose header starts at {@code at}. */
  public static int type(ByteBuffer b, int at) {
    return b.get(at) & 0xff;
  }

  /** The legacy_record_version, e.g. 0x0303. */
  public static int version(ByteBuffer b, int at) {
    return ((b.get(at + 1) & 0xff) << 8) | (b.get(at + 2) & 0xff);
  }

  /** The fragment length the header announces (the record is {@link #HEADER} bytes longer). */
  public static int length(ByteBuffer b, int at) {
    return ((b.get(at + 3) & 0xff) << 8) | (b.get(at + 4) & 0xff);
  }

  /**
   * Whether {@code [at, end)} holds a whole record: its header and the fragment it announces. Also
   * checks that the header itself is there.
   */
  public static boolean isComplete(ByteBuffer b, int at, int end) {
    return end - at >= HEADER && end - at >= HEADER + length(b, at);
  }

  /** {@link #type(ByteBuffer, int)} over an array. */
  public static int type(byte[] b, int at) {
    return b[at] & 0xff;
  }

  /** {@link #version(ByteBuffer, int)} over an array. */
  public static int version(byte[] b, int at) {
    return ((b[at + 1] & 0xff) << 8) | (b[at + 2] & 0xff);
  }

  /** {@link #length(ByteBuffer, int)} over an array. */
  public static int length(byte[] b, int at) {
    return ((b[at + 3] & 0xff) << 8) | (b[at + 4] & 0xff);
  }

  /** {@link #isComplete(ByteBuffer, int, int)} over an array. */
  public static boolean isComplete(byte[] b, int at, int end) {
    return end - at >= HEADER && end - at >= HEADER + length(b, at);
  }
}
