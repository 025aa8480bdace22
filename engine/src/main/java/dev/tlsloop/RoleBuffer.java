package dev.tlsloop;

import dev.tlsloop.TlsListener.BufferEvent;
import dev.tlsloop.TlsListener.BufferRole;
import java.nio.ByteBuffer;

/**
 * One of the connection's three buffers, named by its role.
 *
 * <p><b>Mode.</b> Between calls the buffer is always in <i>read mode</i>: its pending bytes are
 * {@code [position, limit)}. Only {@link #beginFill}/{@link #endFill} switch it to fill mode and
 * back, around a single engine or transport call. Nothing else flips it.
 *
 * <p><b>Compaction.</b> Pending bytes are moved to the front only when the free tail is smaller
 * than what the next fill needs, so a buffer holding several records is not re-copied after each
 * unwrap.
 *
 * <p><b>Lifetime.</b> Allocated on first use; grown only when the session says records may be
 * larger; given back to the allocator when empty if idle release is on.
 */
final class RoleBuffer {
  private final BufferRole role;
  private final BufferAllocator allocator;
  private final boolean releaseWhenEmpty;
  private final TlsConnection owner;

  /** The buffer, or null while not allocated (idle release). */
  private ByteBuffer buf;

  /** During a fill: where the pending bytes start. */
  private int fillStart;

  RoleBuffer(
      BufferRole role, BufferAllocator allocator, boolean releaseWhenEmpty, TlsConnection owner) {
    this.role = role;
    this.allocator = allocator;
    this.releaseWhenEmpty = releaseWhenEmpty;
    this.owner = owner;
  }

  /** The buffer in read mode, or null when not allocated. Callers must not flip it. */
  ByteBuffer buffer() {
    return buf;
  }

  int remaining() {
    return buf == null ? 0 : buf.remaining();
  }

  boolean hasRemaining() {
    return buf != null && buf.hasRemaining();
  }

  int capacity() {
    return buf == null ? 0 : buf.capacity();
  }

  /** Free space a fill could use after compaction. */
  int free() {
    return buf == null ? 0 : buf.capacity() - buf.remaining();
  }

  /**
   * Switches to fill mode with room for {@code want} bytes after the pending ones if the capacity
   * allows (allocating {@code size} bytes first if needed). Returns the buffer: write into {@code
   * [position, limit)}, then call {@link #endFill}.
   */
  ByteBuffer beginFill(int want, int size) {
    if (buf == null) {
      buf = allocator.allocate(size);
      buf.limit(0);
      owner.bufferEvent(role, BufferEvent.ALLOCATE, buf.capacity());
    }
    int start = buf.position();
    int end = buf.limit();
    if (buf.capacity() - end < want && start > 0) {
      buf.compact(); // pending bytes to the front: position = pending, limit = capacity
      start = 0;
    } else {
      buf.limit(buf.capacity()).position(end);
    }
    fillStart = start;
    return buf;
  }

  /** Back to read mode after a fill: the pending bytes are the old ones plus what was written. */
  void endFill() {
    int end = buf.position();
    buf.limit(end).position(fillStart);
  }

  /** Replaces the buffer with one of {@code capacity} bytes, keeping the pending bytes. */
  void grow(int capacity) {
    ByteBuffer bigger = allocator.allocate(capacity);
    boolean fresh = buf == null;
    if (!fresh) {
      bigger.put(buf);
      allocator.release(buf);
    }
    bigger.flip();
    buf = bigger;
    owner.bufferEvent(role, fresh ? BufferEvent.ALLOCATE : BufferEvent.GROW, capacity);
  }

  /** Gives the buffer back to the allocator if it is empty and idle release is on. */
  void releaseIfEmpty() {
    if (releaseWhenEmpty && buf != null && !buf.hasRemaining()) {
      release();
    }
  }

  /** Gives the buffer back unconditionally (connection closed); pending bytes are dropped. */
  void release() {
    if (buf != null) {
      ByteBuffer old = buf;
      buf = null;
      allocator.release(old);
      owner.bufferEvent(role, BufferEvent.RELEASE, 0);
    }
  }

  /**
   * Copies pending bytes into {@code dsts[offset..offset+length)} in order, as many as fit. Returns
   * the number copied. Allocates nothing.
   */
  int drainTo(ByteBuffer[] dsts, int offset, int length) {
    int copied = 0;
    for (int i = offset; i < offset + length && buf.hasRemaining(); i++) {
      ByteBuffer dst = dsts[i];
      int n = Math.min(dst.remaining(), buf.remaining());
      if (n == 0) {
        continue;
      }
      int limit = buf.limit();
      buf.limit(buf.position() + n);
      dst.put(buf);
      buf.limit(limit);
      copied += n;
    }
    return copied;
  }

  @Override
  public String toString() {
    return role + (buf == null ? "(released)" : "(" + buf.remaining() + "/" + buf.capacity() + ")");
  }
}
