package dev.tlsloop.trace;

import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * Two non-blocking in-memory channel ends joined back to back: what one end writes the other reads.
 * A read with nothing waiting returns 0 (would block); after the writer closed, -1. Single
 * threaded, deterministic: the shape of OpenJDK's SSLEngineTemplate harness.
 */
final class MemoryPipe {
  final End client;
  final End server;

  MemoryPipe() {
    Queue toServer = new Queue();
    Queue toClient = new Queue();
    client = new End(toClient, toServer);
    server = new End(toServer, toClient);
  }

  /** Bytes in flight one way. */
  private static final class Queue {
    private ByteBuffer data = ByteBuffer.allocate(64 * 1024).flip();
    private boolean writerClosed;

    void put(ByteBuffer src) {
      if (data.capacity() - data.limit() < src.remaining()) {
        ByteBuffer bigger = ByteBuffer.allocate(data.remaining() + src.remaining() + 64 * 1024);
        bigger.put(data).flip();
        data = bigger;
      }
      int p = data.position();
      data.position(data.limit()).limit(data.capacity());
      data.put(src);
      data.limit(data.position()).position(p);
    }

    int take(ByteBuffer dst) {
      int n = Math.min(dst.remaining(), data.remaining());
      ByteBuffer slice = data.slice(data.position(), n);
      dst.put(slice);
      data.position(data.position() + n);
      return n;
    }
  }

  /** One end of the pipe. */
  static final class End implements ByteChannel {
    private final Queue in;
    private final Queue out;
    private boolean open = true;

    private End(Queue in, Queue out) {
      this.in = in;
      this.out = out;
    }

    @Override
    public int read(ByteBuffer dst) throws ClosedChannelException {
      if (!open) {
        throw new ClosedChannelException();
      }
      if (!in.data.hasRemaining()) {
        return in.writerClosed ? -1 : 0;
      }
      return in.take(dst);
    }

    @Override
    public int write(ByteBuffer src) throws ClosedChannelException {
      if (!open || out.writerClosed) {
        throw new ClosedChannelException();
      }
      int n = src.remaining();
      out.put(src);
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
      out.writerClosed = true;
    }
  }
}
