package dev.tlsloop.loop;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One connection's outbound plaintext, bounded: {@link #offer} copies what fits under the limit and
 * no more. Held in 16 KiB chunks from the loop's {@link ChunkPool}, each in read mode (pending
 * bytes in {@code [position, limit)}); an empty queue holds no chunk.
 */
final class SendQueue {
  private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>();
  private final ChunkPool pool;
  private final int limit;
  private int queued;

  SendQueue(ChunkPool pool, int limit) {
    this.pool = pool;
    this.limit = limit;
  }

  /** Copies as much of {@code src} as fits; returns whether all of it did. */
  boolean offer(ByteBuffer src) {
    while (src.hasRemaining() && queued < limit) {
      ByteBuffer tail = chunks.peekLast();
      if (tail == null || tail.limit() == tail.capacity()) {
        tail = pool.take();
        tail.limit(0);
        chunks.addLast(tail);
      }
      int n = Math.min(Math.min(src.remaining(), tail.capacity() - tail.limit()), limit - queued);
      int at = tail.limit();
      tail.limit(at + n);
      tail.put(at, src, src.position(), n);
      src.position(src.position() + n);
      queued += n;
    }
    return !src.hasRemaining();
  }

  boolean isEmpty() {
    return queued == 0;
  }

  int queued() {
    return queued;
  }

  boolean isFull() {
    return queued >= limit;
  }

  /** At or below half the limit: a full queue announces itself writable again. */
  boolean hasDrained() {
    return queued <= limit / 2;
  }

  /**
   * Fills {@code into} with the head chunks, up to about {@code budget} bytes (at least one chunk);
   * returns how many.
   */
  int gather(ByteBuffer[] into, int budget) {
    int n = 0;
    int bytes = 0;
    for (ByteBuffer b : chunks) {
      if (n == into.length || (n > 0 && bytes + b.remaining() > budget)) {
        break;
      }
      into[n++] = b;
      bytes += b.remaining();
    }
    return n;
  }

  /** After a write of gathered chunks: counts what was taken and frees the chunks emptied. */
  void consumed(long bytes) {
    queued -= (int) bytes;
    while (!chunks.isEmpty() && !chunks.peekFirst().hasRemaining()) {
      pool.give(chunks.pollFirst());
    }
  }

  /** Drops everything (the connection ended). */
  void clear() {
    while (!chunks.isEmpty()) {
      pool.give(chunks.pollFirst());
    }
    queued = 0;
  }

  /** Capacity of the chunks held. */
  long bytesHeld() {
    return (long) chunks.size() * ChunkPool.CHUNK;
  }
}
