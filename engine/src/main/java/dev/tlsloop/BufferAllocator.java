package dev.tlsloop;

import java.nio.ByteBuffer;

/**
 * Where a connection's three buffers come from. Heap is the default: the JDK's SSLEngine works on
 * byte arrays internally and copies direct buffers through temporary arrays.
 */
public interface BufferAllocator {
  /** Heap buffers ({@link ByteBuffer#allocate}); release drops the reference. */
  BufferAllocator HEAP = ByteBuffer::allocate;

  /** Direct buffers ({@link ByteBuffer#allocateDirect}); release drops the reference. */
  BufferAllocator DIRECT = ByteBuffer::allocateDirect;

  /** Returns a buffer of exactly {@code capacity} bytes, position 0, limit = capacity. */
  ByteBuffer allocate(int capacity);

  /** Takes back a buffer the connection no longer uses. A pool may reuse it. */
  default void release(ByteBuffer buffer) {}
}
