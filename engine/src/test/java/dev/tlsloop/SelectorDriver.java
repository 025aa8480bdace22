package dev.tlsloop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives non-blocking {@link TlsConnection}s the way an event loop does: it calls a connection only
 * when the selector reports its channel ready, or when the connection says it holds buffered input.
 * A connection that stranded plaintext or records would therefore stall this loop, and the deadline
 * turns that into a failure.
 *
 * <p>Each endpoint sends its payload, reads the peer's payload completely, and then the client
 * closes (close_notify) and the server closes after reading -1: the same script works for TLS 1.2
 * (no half-close) and 1.3.
 */
final class SelectorDriver {
  /** One side of a conversation. */
  static final class Endpoint {
    final TlsConnection conn;
    final SocketChannel channel;
    final Payload send;
    final Payload expect;
    final ByteBuffer out;
    final ByteBuffer in;
    long sent;
    long received;
    boolean eof;
    boolean closeSent;
    boolean closed;
    TlsState finalState;
    TlsNeed writeNeed = TlsNeed.NOTHING;
    TlsNeed readNeed = TlsNeed.NOTHING;

    Endpoint(TlsConnection conn, SocketChannel channel, Payload send, Payload expect, int bufSize)
        throws IOException {
      this.conn = conn;
      this.channel = channel;
      this.send = send;
      this.expect = expect;
      this.out = ByteBuffer.allocate(bufSize);
      this.out.flip();
      this.in = ByteBuffer.allocate(bufSize);
      channel.configureBlocking(false);
    }

    boolean done() {
      return closed;
    }
  }

  private final Selector selector;
  private final List<Endpoint> endpoints = new ArrayList<>();

  SelectorDriver() throws IOException {
    selector = Selector.open();
  }

  void add(Endpoint e) throws IOException {
    endpoints.add(e);
    e.channel.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE, e);
    e.conn.setTaskCompletionCallback(selector::wakeup);
  }

  /** Runs until every endpoint is closed; fails if nothing moves before the deadline. */
  void run(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      for (Endpoint e : endpoints) {
        service(e);
      }
      while (!endpoints.stream().allMatch(Endpoint::done)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("stalled: " + describe());
        }
        selector.select(100);
        for (SelectionKey k : selector.selectedKeys()) {
          service((Endpoint) k.attachment());
        }
        selector.selectedKeys().clear();
        for (Endpoint e : endpoints) {
          if (!e.done() && (e.conn.need() == TlsNeed.TASK && !e.conn.taskRunning())) {
            service(e); // a delegated task finished: its callback woke the selector
          }
        }
      }
    } finally {
      selector.close();
    }
  }

  private void service(Endpoint e) throws IOException {
    if (e.done()) {
      return;
    }
    boolean again = true;
    while (again && !e.done()) {
      // Write side: payload first, then (client) close once everything was received.
      if (e.conn.state() == TlsState.NEW) {
        e.writeNeed = e.conn.handshake();
      }
      if (e.sent < e.send.length() || e.out.hasRemaining()) {
        if (!e.out.hasRemaining()) {
          e.out.clear();
          e.sent += e.send.fill(e.out, e.sent);
          e.out.flip();
        }
        e.conn.write(e.out);
        e.writeNeed = e.conn.need();
      } else if (e.writeNeed == TlsNeed.WRITE) {
        e.writeNeed = e.conn.flush();
      }
      // Read side.
      if (!e.eof) {
        e.in.clear();
        int n = e.conn.read(e.in);
        e.readNeed = e.conn.need();
        e.in.flip();
        if (n > 0) {
          e.expect.verify(e.in, e.received);
          e.received += n;
        } else if (n < 0) {
          e.eof = true;
        }
      }
      // Close only an established connection: a 0-byte conversation still handshakes.
      boolean established =
          e.conn.state() != TlsState.NEW && e.conn.state() != TlsState.HANDSHAKING;
      boolean allIn = established && e.received == e.expect.length();
      boolean allOut = e.sent == e.send.length() && !e.out.hasRemaining();
      if (allIn && allOut && (e.conn.isClient() || e.eof) && !e.closeSent) {
        e.writeNeed = e.conn.shutdownOutput();
        e.closeSent = e.writeNeed == TlsNeed.NOTHING;
      }
      if (e.closeSent && e.eof) {
        e.finalState = e.conn.state();
        e.conn.close();
        e.closed = true;
        return;
      }
      // Call again without waiting only when input is already here: the never-stranded rule.
      again = e.conn.hasBuffered();
    }
    int ops = e.eof ? 0 : SelectionKey.OP_READ;
    // More to send and the last write did not wait for input: writability is the next event.
    boolean moreToSend =
        (e.sent < e.send.length() || e.out.hasRemaining()) && e.writeNeed == TlsNeed.NOTHING;
    if (moreToSend
        || e.writeNeed == TlsNeed.WRITE
        || e.readNeed == TlsNeed.WRITE
        || e.conn.hasPendingOutput()) {
      ops |= SelectionKey.OP_WRITE;
    }
    if (!e.done()) {
      e.channel.keyFor(selector).interestOps(ops);
    }
  }

  private String describe() {
    StringBuilder sb = new StringBuilder();
    for (Endpoint e : endpoints) {
      sb.append(e.conn)
          .append(" sent=")
          .append(e.sent)
          .append(" received=")
          .append(e.received)
          .append('/')
          .append(e.expect.length())
          .append(" eof=")
          .append(e.eof)
          .append("; ");
    }
    return sb.toString();
  }
}
