package dev.tlsloop.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;

/**
 * Two non-blocking in-memory channel ends joined back to back: what one end writes the other reads.
 * Each direction holds at most {@code capacity} bytes (a full pipe takes 0 bytes, as a full socket
 * does) and moves at most {@code chunk} bytes per call, so tests can deliver a whole flight at once
 * or one byte at a time. Every byte that crosses is also recorded, for tests that look at the
 * records on the wire.
 */
public final class MemoryPipe {
  /** One direction of the pipe. */
  public static final class Flow {
    private final ByteBuffer buf; // read mode: pending bytes in [position, limit)
    public int chunk;
    public boolean eof;
    public long moved;
    public int corruptAt = -1;
    public final ByteArrayOutputStream wire = new ByteArrayOutputStream();

    Flow(int capacity, int chunk) {
      this.buf = ByteBuffer.allocate(capacity);
      this.buf.flip();
      this.chunk = chunk;
    }

    public int available() {
      return buf.remaining();
    }
  }

  /** One end: reads from {@code in}, writes to {@code out}. */
  public static final class End implements ByteChannel {
    public final Flow in;
    public final Flow out;
    private boolean open = true;
    public int reads;
    public int writes;

    End(Flow in, Flow out) {
      this.in = in;
      this.out = out;
    }

    @Override
    public int read(ByteBuffer dst) throws ClosedChannelException {
      if (!open) {
        throw new ClosedChannelException();
      }
      reads++;
      if (!in.buf.hasRemaining()) {
        return in.eof ? -1 : 0;
      }
      int n = Math.min(Math.min(dst.remaining(), in.buf.remaining()), in.chunk);
      int limit = in.buf.limit();
      in.buf.limit(in.buf.position() + n);
      dst.put(in.buf);
      in.buf.limit(limit);
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws ClosedChannelException {
      if (!open || out.eof) {
        throw new ClosedChannelException();
      }
      writes++;
      ByteBuffer b = out.buf;
      b.compact();
      int n = Math.min(Math.min(src.remaining(), b.remaining()), out.chunk);
      for (int i = 0; i < n; i++) {
        byte x = src.get();
        if (out.moved + i == out.corruptAt) {
          x ^= 0x01; // one flipped bit on the wire, as a faulty middlebox would
        }
        b.put(x);
        out.wire.write(x);
      }
      b.flip();
      out.moved += n;
      return n;
    }

    /** Closes this end: the peer reads EOF once the pending bytes are taken. */
    @Override
    public void close() {
      if (open) {
        open = false;
        out.eof = true;
      }
    }

    @Override
    public boolean isOpen() {
      return open;
    }
  }

  public final Flow toServer;
  public final Flow toClient;
  public final End client;
  public final End server;

  public MemoryPipe(int capacity, int chunk) {
    toServer = new Flow(capacity, chunk);
    toClient = new Flow(capacity, chunk);
    client = new End(toClient, toServer);
    server = new End(toServer, toClient);
  }

  /** A roomy pipe that moves whole flights at once. */
  public MemoryPipe() {
    this(1 << 20, Integer.MAX_VALUE);
  }
}
