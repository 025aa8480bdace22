package dev.tlsloop.loop;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Send-queue chunks of one loop, reused so that steady traffic allocates nothing; at most {@link
 * #KEPT} are kept spare, so the pool never holds more than a burst needs. Loop thread only.
 */
final class ChunkPool {
  static final int CHUNK = 16 * 1024;
  static final int KEPT = 64;

  private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();

  ByteBuffer take() {
    ByteBuffer b = spare.pollFirst();
    return b != null ? b.clear() : ByteBuffer.allocate(CHUNK);
  }

  void give(ByteBuffer b) {
    if (spare.size() < KEPT) {
      spare.addFirst(b);
    }
  }
}
