package dev.tlsloop;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * A deterministic byte stream of a given length: byte {@code i} is a function of {@code i} and the
 * seed, so a receiver can check every byte it gets at its offset without storing the stream.
 */
final class Payload {
  private static final int BLOCK = 1 << 16;
  private final byte[] block = new byte[BLOCK];
  private final long length;

  Payload(long seed, long length) {
    new Random(seed).nextBytes(block);
    this.length = length;
  }

  long length() {
    return length;
  }

  byte at(long i) {
    // Shift the block per 64 KiB so that a misplaced block is noticed.
    return block[(int) ((i + (i >>> 16) * 7919) & (BLOCK - 1))];
  }

  /** Fills {@code dst} with the bytes from {@code offset}; returns how many were put. */
  int fill(ByteBuffer dst, long offset) {
    int n = (int) Math.min(dst.remaining(), length - offset);
    for (int k = 0; k < n; k++) {
      dst.put(at(offset + k));
    }
    return n;
  }

  /** Checks the bytes {@code [pos, limit)} of {@code got} against the stream at {@code offset}. */
  void verify(ByteBuffer got, long offset) {
    int n = got.remaining();
    if (offset + n > length) {
      throw new AssertionError("received " + (offset + n) + " bytes, only " + length + " sent");
    }
    for (int k = 0; k < n; k++) {
      byte b = got.get(got.position() + k);
      if (b != at(offset + k)) {
        throw new AssertionError(
            "byte " + (offset + k) + " differs: got " + b + " want " + at(offset + k));
      }
    }
  }
}
