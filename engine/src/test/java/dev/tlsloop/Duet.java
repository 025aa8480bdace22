package dev.tlsloop;

import dev.tlsloop.testkit.MemoryPipe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

/**
 * Drives a client and a server {@link TlsConnection} over a {@link MemoryPipe} in one thread, the
 * way a selector loop does: a side is read only when its pipe holds bytes or the connection says it
 * has buffered input, and written only while it has something to send or flush. A schedule that
 * leaves data stranded in a connection therefore stalls, and {@link #runUntil} reports the stall
 * instead of hanging.
 */
final class Duet {
  /** One side: its connection, its pipe end, what it still sends and what it received. */
  static final class Side {
    final TlsConnection conn;
    final MemoryPipe.End end;
    ByteBuffer toSend = ByteBuffer.allocate(0);
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    int readSize = 16384;
    boolean eof;
    int reads;

    Side(TlsConnection conn, MemoryPipe.End end) {
      this.conn = conn;
      this.end = end;
    }

    void send(byte[] data) {
      toSend = ByteBuffer.wrap(data);
    }
  }

  final Side client;
  final Side server;

  Duet(TlsConnection client, MemoryPipe.End clientEnd, TlsConnection server, MemoryPipe.End end) {
    this.client = new Side(client, clientEnd);
    this.server = new Side(server, end);
  }

  /** Pumps both sides until {@code done}; fails after {@code maxIdleRounds} rounds without news. */
  void runUntil(BooleanSupplier done, int maxIdleRounds) throws IOException {
    int idle = 0;
    while (!done.getAsBoolean()) {
      boolean moved = pump(client) | pump(server);
      idle = moved ? 0 : idle + 1;
      if (idle > maxIdleRounds) {
        throw new AssertionError("stalled: " + client.conn + " / " + server.conn);
      }
    }
  }

  void handshake() throws IOException {
    runUntil(() -> client.conn.state() == TlsState.OPEN && server.conn.state() == TlsState.OPEN, 3);
  }

  /** One loop turn for one side; returns whether anything moved. */
  private static boolean pump(Side s) throws IOException {
    TlsConnection c = s.conn;
    if (c.state().isTerminal()) {
      return false;
    }
    long wire = s.end.out.moved;
    long before = s.received.size();
    boolean wasEof = s.eof;
    if (c.state() == TlsState.NEW) {
      c.handshake();
    }
    if (s.toSend.hasRemaining()) {
      c.write(s.toSend);
    } else if (c.hasPendingOutput() || c.need() == TlsNeed.WRITE) {
      c.flush();
    }
    // Read only on "readiness": bytes in the pipe (a selector would fire) or buffered input.
    while (!s.eof && (s.end.in.available() > 0 || s.end.in.eof || c.hasBuffered())) {
      ByteBuffer dst = ByteBuffer.allocate(s.readSize);
      int n = c.read(dst);
      s.reads++;
      if (n < 0) {
        s.eof = true;
      } else if (n == 0) {
        break;
      } else {
        s.received.write(dst.array(), 0, n);
      }
    }
    return s.end.out.moved != wire || s.received.size() != before || s.eof != wasEof;
  }
}
