package dev.tlsloop.hostile;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A record-aware TCP proxy for one connection between two real TLS ends: it forwards whole records,
 * one write each, and lets a {@link Tamper} replace any record by other bytes (a flipped byte, a
 * shortened record, the record twice, nothing, the record plus another). A test cannot encrypt
 * valid records itself; this way both ends do, and the proxy only spoils what they send.
 */
final class TamperProxy implements AutoCloseable {
  /** Up: client to server. Down: server to client. */
  enum Dir {
    UP,
    DOWN
  }

  /** Decides what goes on the wire instead of each record. */
  interface Tamper {
    /** The bytes to forward for record {@code index} (0-based, per direction). */
    byte[] apply(Dir dir, int index, Wire.Rec rec, List<Wire.Rec> before);
  }

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Tamper tamper;
  private final List<Wire.Rec> up = Collections.synchronizedList(new ArrayList<>());
  private final List<Wire.Rec> down = Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch downEnded = new CountDownLatch(1);
  private volatile boolean downEof;
  private volatile int upstreamPort;
  private volatile Socket client;
  private volatile Socket server;

  /** The index of the first DOWN record that was forwarded after {@link #mark()}. */
  private volatile int downMark;

  TamperProxy(InetSocketAddress target, Tamper tamper) throws IOException {
    this.target = target;
    this.tamper = tamper;
    this.listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    Thread t = new Thread(this::acceptOne, "tamper-proxy");
    t.setDaemon(true);
    t.start();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.getLocalSocketAddress();
  }

  /** The proxy's own port towards the server: the server knows the connection by it. */
  int upstreamPort() {
    return upstreamPort;
  }

  /** Remembers how many DOWN records were forwarded so far; see {@link #downSinceMark()}. */
  void mark() {
    downMark = down.size();
  }

  /** What the client was sent since {@link #mark()}, once the server closed (bounded wait). */
  Wire.Seen downSinceMark() throws InterruptedException {
    boolean ended = downEnded.await(Hostile.READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    List<Wire.Rec> recs;
    synchronized (down) {
      recs = new ArrayList<>(down.subList(Math.min(downMark, down.size()), down.size()));
    }
    return new Wire.Seen(recs, new byte[0], ended && downEof, ended ? null : "no EOF yet");
  }

  List<Wire.Rec> up() {
    synchronized (up) {
      return new ArrayList<>(up);
    }
  }

  private void acceptOne() {
    try {
      Socket c = listener.accept();
      Socket s = new Socket(target.getAddress(), target.getPort());
      c.setTcpNoDelay(true);
      s.setTcpNoDelay(true);
      client = c;
      server = s;
      upstreamPort = s.getLocalPort();
      Thread u = new Thread(() -> pump(Dir.UP, c, s, up), "tamper-up");
      u.setDaemon(true);
      u.start();
      pump(Dir.DOWN, s, c, down);
    } catch (IOException e) {
      downEnded.countDown();
    }
  }

  private void pump(Dir dir, Socket from, Socket to, List<Wire.Rec> seen) {
    try {
      DataInputStream in = new DataInputStream(from.getInputStream());
      OutputStream out = to.getOutputStream();
      byte[] header = new byte[5];
      for (int index = 0; ; index++) {
        try {
          in.readFully(header);
        } catch (EOFException eof) {
          if (dir == Dir.DOWN) {
            downEof = true;
          }
          break;
        }
        int len = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
        byte[] fragment = new byte[len];
        in.readFully(fragment);
        Wire.Rec rec =
            new Wire.Rec(
                header[0] & 0xff, ((header[1] & 0xff) << 8) | (header[2] & 0xff), fragment);
        List<Wire.Rec> before;
        synchronized (seen) {
          before = new ArrayList<>(seen);
          seen.add(rec);
        }
        byte[] send = tamper.apply(dir, index, rec, before);
        if (send.length > 0) {
          out.write(send);
          out.flush();
        }
      }
    } catch (IOException e) {
      // A reset: the other direction goes on until its own end.
    } finally {
      try {
        to.shutdownOutput(); // pass the end on, keep the other direction open
      } catch (IOException ignored) {
        // Already closed.
      }
      if (dir == Dir.DOWN) {
        downEnded.countDown();
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : new Socket[] {client, server}) {
      if (s != null) {
        s.close();
      }
    }
  }

  // ------------------------------------------------------------------ tampers

  /** A tamper that forwards everything unchanged: the proxy only watches. */
  static byte[] watchOnly(Dir dir, int index, Wire.Rec rec, List<Wire.Rec> before) {
    return rec.bytes();
  }

  /** Forwards everything unchanged. */
  static byte[] same(Wire.Rec rec) {
    return rec.bytes();
  }

  /** The record with one byte of its fragment XORed with 0x01 ({@code offset} &lt; 0: from end). */
  static byte[] flip(Wire.Rec rec, int offset) {
    byte[] b = rec.bytes();
    int i = offset >= 0 ? 5 + offset : b.length + offset;
    b[i] ^= 0x01;
    return b;
  }

  /** The record shortened by {@code n} bytes, its header saying so. */
  static byte[] shorten(Wire.Rec rec, int n) {
    byte[] f = rec.fragment();
    return Wire.record(rec.type(), rec.version(), Arrays.copyOf(f, f.length - n));
  }
}
