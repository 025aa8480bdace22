package dev.tlsloop.trace;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** Streaming decoder of the TLS records flowing one way. (Skeleton.) */
public final class RecordDecoder {
  private final String direction;
  private long records;
  private long bytes;

  /** A decoder for one direction, e.g. "client->server"; the label is copied into each record. */
  public RecordDecoder(String direction) {
    this.direction = direction;
  }

  /** Feeds bytes {@code [offset, offset + length)} of {@code buf} by absolute index. */
  public void feed(ByteBuffer buf, int offset, int length, Consumer<TlsRecord> out) {
    bytes += length;
  }

  /** Records emitted so far. */
  public long records() {
    return records;
  }

  /** Bytes fed so far. */
  public long bytes() {
    return bytes;
  }

  @Override
  public String toString() {
    return "RecordDecoder[" + direction + "]";
  }
}
