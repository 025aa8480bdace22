package dev.tlsloop.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * Two connected in-memory endpoints, like a socket pair without the kernel: what {@link #a()}
 * writes {@link #b()} reads, and the other way round. Non-blocking: {@code read} returns 0 when
 * nothing is there, {@code write} takes only what fits in the bounded pipe (possibly 0). Bytes go
 * through a {@code byte[]} ring: one copy in, one copy out, as a loopback socket copies them in the
 * kernel. Not thread-safe: one thread drives both ends.
 */
final class MemoryLink {
  private final Pipe aToB;
  private final Pipe bToA;
  private final End a;
  private final End b;

  /** A link whose two pipes each hold at most {@code capacityBytes}. */
  MemoryLink(int capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes <= 0: " + capacityBytes);
    }
    this.aToB = new Pipe(capacityBytes);
    this.bToA = new Pipe(capacityBytes);
    this.a = new End(bToA, aToB);
    this.b = new End(aToB, bToA);
  }

  /** One end (the client's, by convention). */
  ByteChannel a() {
    return a;
  }

  /** The other end. */
  ByteChannel b() {
    return b;
  }

  /** A bounded byte ring: {@code size} bytes pending from {@code head}, wrapping at the end. */
  private static final class Pipe {
    private final byte[] ring;
    private int head;
    private int size;
    private boolean writerClosed;
    private boolean readerClosed;

    Pipe(int capacityBytes) {
      this.ring = new byte[capacityBytes];
    }

    int write(ByteBuffer src) throws IOException {
      if (readerClosed) {
        throw new IOException("broken pipe: the reading end is closed");
      }
      int n = Math.min(src.remaining(), ring.length - size);
      int tail = (head + size) % ring.length;
      int first = Math.min(n, ring.length - tail);
      src.get(ring, tail, first);
      src.get(ring, 0, n - first);
      size += n;
      return n;
    }

    int read(ByteBuffer dst) {
      if (size == 0) {
        return writerClosed ? -1 : 0;
      }
      int n = Math.min(dst.remaining(), size);
      int first = Math.min(n, ring.length - head);
      dst.put(ring, head, first);
      dst.put(ring, 0, n - first);
      head = (head + n) % ring.length;
      size -= n;
      return n;
    }
  }

  /** One endpoint: reads from one pipe, writes to the other. */
  private static final class End implements ByteChannel {
    private final Pipe in;
    private final Pipe out;
    private boolean open = true;

    End(Pipe in, Pipe out) {
      this.in = in;
      this.out = out;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      return in.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      return out.write(src);
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    /** Closing: the peer reads what was written, then -1; its writes fail. */
    @Override
    public void close() {
      open = false;
      out.writerClosed = true;
      in.readerClosed = true;
    }
  }
}
