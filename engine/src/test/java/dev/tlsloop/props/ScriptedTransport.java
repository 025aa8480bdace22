package dev.tlsloop.props;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.List;

/**
 * An in-memory duplex transport whose every read and write is scripted: a cyclic list of chunk
 * limits says how many bytes each call may move (0 = would-block), so a failing schedule shrinks to
 * a short list. Faults are set per direction on its {@link Link}: EOF at a byte offset, one flipped
 * byte, a half-close. Each {@link Port} counts its calls and bytes so a test can bound the calls
 * that move nothing.
 */
final class ScriptedTransport {
  /** At most this many scripted would-blocks in a row for one operation of one port. */
  static final int MAX_WOULD_BLOCK_RUN = 3;

  final Link toServer;
  final Link toClient;

  /**
   * Raises every non-zero chunk limit and the window to at least this (1 by default): keeps tries
   * with megabyte payloads from taking a million 1-byte calls. Would-blocks stay.
   */
  int minChunk = 1;

  final Port client;
  final Port server;

  /**
   * @param script chunk limits, used cyclically; 0 means this call would block
   * @param window bytes a direction holds in flight before writes block (like a socket buffer)
   */
  ScriptedTransport(List<Integer> script, int window) {
    int[] s = script.stream().mapToInt(Integer::intValue).toArray();
    if (s.length == 0) {
      s = new int[] {Integer.MAX_VALUE};
    }
    toServer = new Link(this, window);
    toClient = new Link(this, window);
    // Four cursors into one script, offset so that the operations do not move in lock-step.
    client = new Port("client", toClient, toServer, new Cursor(this, s, 0), new Cursor(this, s, 1));
    server = new Port("server", toServer, toClient, new Cursor(this, s, 2), new Cursor(this, s, 3));
  }

  /** Total bytes either port moved, and calls that moved none: for no-progress bounds. */
  long moved() {
    return client.moved + server.moved;
  }

  @Override
  public String toString() {
    return "toServer" + toServer + " toClient" + toClient;
  }

  /** One direction: every byte ever written (so offsets are absolute), and its faults. */
  static final class Link {
    private final int window;
    private final ScriptedTransport owner;
    private byte[] data = new byte[4096];

    /** Bytes written so far = the offset the next write lands at. */
    int written;

    /** Bytes the reader has taken. */
    int readPos;

    /** The reader sees EOF at this offset (Long.MAX_VALUE: never, unless the writer closed). */
    long eofAt = Long.MAX_VALUE;

    /** The byte at this offset is XORed with {@link #flipMask} on its way to the reader. */
    long flipAt = -1;

    byte flipMask = 1;

    /** Whether the flipped byte was delivered. */
    boolean flipped;

    /** Whether the reader hit {@link #eofAt} before the writer's last byte. */
    boolean eofInjected;

    /** The writer half-closed or closed: the reader sees EOF once it has read everything. */
    boolean writerShut;

    /** The reader closed its port: writes fail like a reset connection. */
    boolean readerClosed;

    Link(ScriptedTransport owner, int window) {
      this.owner = owner;
      this.window = Math.max(1, window);
    }

    int window() {
      return Math.max(window, owner.minChunk);
    }

    int inFlight() {
      return written - readPos;
    }

    /** Bytes the reader could take now. */
    int visible() {
      return (int) Math.max(0, Math.min(written, eofAt) - readPos);
    }

    boolean atEof() {
      return visible() == 0 && (readPos >= eofAt || writerShut);
    }

    /** Shuts the writer's half: the reader sees EOF after the last written byte. */
    void shutWriter() {
      writerShut = true;
    }

    @Override
    public String toString() {
      return "[written="
          + written
          + " read="
          + readPos
          + (eofAt != Long.MAX_VALUE ? " eofAt=" + eofAt : "")
          + (flipAt >= 0 ? " flipAt=" + flipAt + (flipped ? "(done)" : "") : "")
          + (writerShut ? " writerShut" : "")
          + (readerClosed ? " readerClosed" : "")
          + "]";
    }

    /**
     * Whether {@code offset} is one of the two legacy_record_version bytes of a record header. RFC
     * 8446 section 5.1 says receivers ignore that field "for all purposes", and flips there went
     * unnoticed by the JDK 17 engine in both TLS 1.2 and 1.3 (observed, not a tlsloop matter), so
     * such a flip may legitimately pass; the payload must then still arrive intact.
     */
    boolean isRecordVersionByte(long offset) {
      int i = 0;
      while (i + 5 <= written) {
        if (offset == i + 1 || offset == i + 2) {
          return true;
        }
        if (offset < i + 5) {
          return false;
        }
        i += 5 + (((data[i + 3] & 0xff) << 8) | (data[i + 4] & 0xff));
      }
      return false;
    }

    /** The records written so far as offset:type/length, for failure messages. */
    String records() {
      StringBuilder sb = new StringBuilder("records");
      int i = 0;
      while (i + 5 <= written) {
        int len = ((data[i + 3] & 0xff) << 8) | (data[i + 4] & 0xff);
        sb.append(' ').append(i).append(':').append(data[i] & 0xff).append('/').append(len);
        i += 5 + len;
      }
      return sb.toString();
    }

    /** The bytes around {@code offset} in hex (after any flip), for failure messages. */
    String around(long offset) {
      StringBuilder sb = new StringBuilder("bytes from " + Math.max(0, offset - 8) + ":");
      for (long i = Math.max(0, offset - 8); i < Math.min(written, offset + 9); i++) {
        sb.append(i == offset ? " [" : " ").append(String.format("%02x", data[(int) i]));
        if (i == offset) {
          sb.append(']');
        }
      }
      return sb.toString();
    }

    private void append(ByteBuffer src, int n) {
      if (written + n > data.length) {
        data = Arrays.copyOf(data, Math.max(written + n, data.length * 2));
      }
      src.get(data, written, n);
      written += n;
    }

    private void take(ByteBuffer dst, int n) {
      int from = readPos;
      if (flipAt >= from && flipAt < from + n) {
        data[(int) flipAt] ^= flipMask;
        flipped = true;
      }
      dst.put(data, from, n);
      readPos += n;
    }
  }

  /** A cyclic cursor into the chunk script with a cap on would-block runs. */
  static final class Cursor {
    private final ScriptedTransport owner;
    private final int[] script;
    private int pos;
    private int zeroRun;

    Cursor(ScriptedTransport owner, int[] script, int start) {
      this.owner = owner;
      this.script = script;
      this.pos = start % script.length;
    }

    /** The limit for the next call; 0 = would-block. */
    int next() {
      for (int i = 0; i <= script.length; i++) {
        int v = script[pos];
        pos = (pos + 1) % script.length;
        if (v > 0) {
          zeroRun = 0;
          return Math.max(v, owner.minChunk);
        }
        if (zeroRun < MAX_WOULD_BLOCK_RUN) {
          zeroRun++;
          return 0;
        }
      }
      zeroRun = 0;
      return 1; // an all-zero script still moves bytes
    }
  }

  /** One endpoint: reads from one link, writes to the other. */
  static final class Port implements ByteChannel, Conversation.Metered {
    final String name;
    final Link in;
    final Link out;
    private final Cursor readScript;
    private final Cursor writeScript;
    private boolean open = true;

    /** Calls made, calls that returned 0, bytes moved either way. */
    long calls;

    long zeroCalls;
    long moved;

    /** Longest run of calls in a row that moved nothing, since {@link #takeTrace}. */
    int zeroRun;

    int maxZeroRun;

    /** The calls since the driver last cleared it, for failure messages: r3 w0 r-1 ... */
    final StringBuilder trace = new StringBuilder();

    Port(String name, Link in, Link out, Cursor readScript, Cursor writeScript) {
      this.name = name;
      this.in = in;
      this.out = out;
      this.readScript = readScript;
      this.writeScript = writeScript;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      calls++;
      int r = doRead(dst);
      countRun(r);
      if (trace.length() < 400) {
        trace.append(" r").append(r);
      }
      return r;
    }

    private int doRead(ByteBuffer dst) {
      int limit = readScript.next();
      if (limit == 0 && !in.atEof()) {
        zeroCalls++;
        return 0;
      }
      int n = Math.min(Math.min(limit, dst.remaining()), in.visible());
      if (n == 0) {
        if (in.atEof()) {
          if (in.readPos >= in.eofAt && in.readPos < in.written) {
            in.eofInjected = true;
          }
          return -1;
        }
        zeroCalls++;
        return 0;
      }
      in.take(dst, n);
      moved += n;
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      if (out.readerClosed) {
        throw new IOException("connection reset by peer (" + name + " writes to a closed peer)");
      }
      if (out.writerShut) {
        throw new IOException("broken pipe: " + name + " shut its output");
      }
      calls++;
      int limit = writeScript.next();
      int n = Math.min(Math.min(limit, src.remaining()), out.window() - out.inFlight());
      if (n <= 0) {
        zeroCalls++;
        n = 0;
      } else {
        out.append(src, n);
        moved += n;
      }
      countRun(n);
      if (trace.length() < 400) {
        trace.append(" w").append(n);
      }
      return n;
    }

    /**
     * Readable as a selector reports a socket: bytes the reader could take, or its end. (The script
     * may still make the next read would-block, as a spurious wake-up would.)
     */
    @Override
    public boolean readable() {
      return open && (in.visible() > 0 || in.atEof());
    }

    /** Writable: room in the window, or a closed peer whose write error is there to be reported. */
    @Override
    public boolean writable() {
      return open && (out.readerClosed || out.writerShut || out.window() - out.inFlight() > 0);
    }

    @Override
    public long moved() {
      return moved;
    }

    @Override
    public long zeroCalls() {
      return zeroCalls;
    }

    private void countRun(int n) {
      zeroRun = n == 0 ? zeroRun + 1 : 0;
      maxZeroRun = Math.max(maxZeroRun, zeroRun);
    }

    @Override
    public int takeMaxZeroRun() {
      int m = maxZeroRun;
      maxZeroRun = 0;
      zeroRun = 0;
      return m;
    }

    @Override
    public String takeTrace() {
      String t = trace.toString();
      trace.setLength(0);
      return t;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      if (open) {
        open = false;
        in.readerClosed = true;
        out.writerShut = true;
      }
    }

    @Override
    public String toString() {
      return name + "(calls=" + calls + " zero=" + zeroCalls + " moved=" + moved + ")";
    }
  }
}
