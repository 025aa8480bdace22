package dev.tlsloop.props;

import java.nio.ByteBuffer;

/**
 * A deterministic byte stream: byte {@code i} is a hash of the seed and {@code i}, so a receiver
 * checks every byte at its offset without storing the stream, and a shifted or repeated chunk is
 * noticed.
 */
final class StreamBytes {
  private final long seed;
  final long length;

  StreamBytes(long seed, long length) {
    this.seed = seed;
    this.length = length;
  }

  byte at(long i) {
    long z = seed + i * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (byte) (z ^ (z >>> 31));
  }

  /** Puts the bytes from {@code offset} into {@code dst} (as many as fit); returns the count. */
  int fill(ByteBuffer dst, long offset) {
    int n = (int) Math.min(dst.remaining(), length - offset);
    for (int k = 0; k < n; k++) {
      dst.put(at(offset + k));
    }
    return n;
  }

  /** Checks {@code n} bytes of {@code got} ending at its position against the stream. */
  void verifyBefore(ByteBuffer got, int n, long offset, String who) {
    if (offset + n > length) {
      throw new AssertionError(
          who + " received " + (offset + n) + " bytes but only " + length + " were sent");
    }
    int start = got.position() - n;
    for (int k = 0; k < n; k++) {
      byte b = got.get(start + k);
      if (b != at(offset + k)) {
        throw new AssertionError(
            who
                + ": byte "
                + (offset + k)
                + " differs: got "
                + b
                + ", sent "
                + at(offset + k)
                + " (bytes that were never sent)");
      }
    }
  }
}
