package dev.tlsloop.demo;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The server's event loop: one thread, one {@link Selector}, every connection driven through the
 * engine's non-blocking {@link TlsConnection} API. The whole contract with the engine is in {@link
 * #service}: call it when the selector says so, call {@code read} again while {@code hasBuffered()}
 * (the selector only knows about bytes still in the socket), and watch OP_WRITE whenever {@code
 * hasPendingOutput()} (a read may leave a KeyUpdate reply queued).
 */
final class SelectorLoop implements Runnable, Closeable {
  /** What the server does with the plaintext of one connection. One handler per connection. */
  interface Handler {
    /** Plaintext arrived ({@code data} in read mode); reply through {@code session}. */
    void received(ByteBuffer data, Session session);
  }

  /** A handler's view of its connection. */
  interface Session {
    /** Queues plaintext to send; it is written in order, as one write call per buffer. */
    void send(ByteBuffer data);

    /** Sends close_notify and closes once everything queued is written; reading stops now. */
    void closeAfterSending();

    /** The TLS connection (for its session: protocol, suite, ALPN). */
    TlsConnection connection();
  }

  /** A per-connection trace: attached when the connection is accepted, summed up when it ends. */
  interface TlsTraceHook {
    /** Attaches the trace to a new connection. */
    void attach(TlsConnection conn);

    /** Prints the summary of a connection that ended. */
    void summary(TlsConnection conn);
  }

  private final TlsConfig config;
  private final Supplier<Handler> handlers;
  private final IntFunction<TlsTraceHook> traces;
  private final PrintStream err;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final List<Conn> conns = new ArrayList<>();
  private volatile boolean stopping;
  private int accepted;

  SelectorLoop(
      TlsConfig config,
      InetSocketAddress bind,
      Supplier<Handler> handlers,
      IntFunction<TlsTraceHook> traces,
      PrintStream err)
      throws IOException {
    this.config = config;
    this.handlers = handlers;
    this.traces = traces;
    this.err = err;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open();
    try {
      server.bind(bind, 128);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      server.close();
      selector.close();
      throw e;
    }
  }

  /** The bound address (the real port when bound to port 0). */
  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  /** Number of open connections (for tests). */
  int connectionCount() {
    synchronized (conns) {
      return conns.size();
    }
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        selector.select();
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
          } else {
            service((Conn) key.attachment());
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | RuntimeException e) {
      err.println("server loop failed: " + e);
    } finally {
      closeAll();
    }
  }

  /** Stops the loop (from any thread): open connections get close_notify, then the port closes. */
  @Override
  public void close() {
    stopping = true;
    selector.wakeup();
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      ch.configureBlocking(false);
      ch.socket().setTcpNoDelay(true);
      TlsConnection tls = config.newConnection(ch);
      TlsTraceHook trace = traces.apply(++accepted);
      if (trace != null) {
        trace.attach(tls);
      }
      Conn c = new Conn(tls, handlers.get(), trace, ch.getRemoteAddress().toString());
      c.key = ch.register(selector, SelectionKey.OP_READ, c);
      synchronized (conns) {
        conns.add(c);
      }
    }
  }

  /**
   * Moves one connection as far as it goes without blocking: queued replies out, then plaintext in
   * (to the handler), then the close. Ends by telling the selector what the connection waits for.
   */
  private void service(Conn c) {
    TlsConnection tls = c.tls;
    try {
      boolean progress = true;
      int retries = 0;
      while (progress) {
        progress = false;
        while (!c.out.isEmpty()) {
          ByteBuffer head = c.out.peek();
          tls.write(head);
          if (head.hasRemaining()) {
            break; // netOut full (need WRITE) or renegotiating (need READ): wait for the selector
          }
          c.out.poll();
        }
        if (c.closing && c.out.isEmpty()) {
          if (tls.shutdownOutput() == TlsNeed.NOTHING) {
            end(c, null);
            return;
          }
          break;
        }
        if (!c.closing && (c.out.isEmpty() || tls.hasBuffered())) {
          // Read only when no reply is queued, so that a client that sends but never reads cannot
          // make us buffer without bound; but always take what the engine already holds: a write
          // waiting for a renegotiation flight cannot go on while plaintext that came before the
          // flight sits unread in the engine.
          c.in.clear();
          int n = tls.read(c.in);
          if (n > 0) {
            c.in.flip();
            c.handler.received(c.in, c);
            progress = true;
          } else if (n < 0) {
            // close_notify. TLS 1.3: we may still answer, then close. TLS 1.2: the engine already
            // replied and closed our side too (RFC 5246 7.2.1): what is queued can only be dropped.
            c.closing = true;
            c.peerClosed = true;
            if (tls.engine().isOutboundDone()) {
              c.out.clear();
            }
            progress = true;
          } else {
            // Never wait on the selector with a record in hand (bounded, should it not move).
            progress = tls.hasBuffered() && ++retries < 3;
          }
        }
      }
      int ops = 0;
      TlsNeed need = tls.need();
      if (need == TlsNeed.WRITE || tls.hasPendingOutput()) {
        ops |= SelectionKey.OP_WRITE;
      }
      if (need == TlsNeed.READ || (!c.closing && c.out.isEmpty())) {
        ops |= SelectionKey.OP_READ;
      }
      c.key.interestOps(ops);
    } catch (IOException | RuntimeException e) {
      end(c, e);
    }
  }

  private void end(Conn c, Exception failure) {
    c.key.cancel();
    if (failure != null && !c.peerClosed) {
      err.println("connection from " + c.peer + " failed: " + Failure.describe(failure, c.peer));
    }
    try {
      c.tls.close();
    } catch (IOException ignored) {
      // The transport is closed either way.
    }
    if (c.trace != null) {
      try {
        c.trace.summary(c.tls);
      } catch (RuntimeException e) {
        err.println("trace summary failed: " + e);
      }
    }
    synchronized (conns) {
      conns.remove(c);
    }
  }

  private void closeAll() {
    List<Conn> open;
    synchronized (conns) {
      open = new ArrayList<>(conns);
    }
    for (Conn c : open) {
      end(c, null); // close() sends close_notify as far as the socket takes it
    }
    try {
      server.close();
      selector.close();
    } catch (IOException ignored) {
      // Shutting down.
    }
  }

  /** One connection's loop state. */
  private static final class Conn implements Session {
    final TlsConnection tls;
    final Handler handler;
    final TlsTraceHook trace;
    final String peer;
    final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
    final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
    SelectionKey key;
    boolean closing;

    /** The peer's close_notify arrived: failing to send ours is then not worth a report. */
    boolean peerClosed;

    Conn(TlsConnection tls, Handler handler, TlsTraceHook trace, String peer) {
      this.tls = tls;
      this.handler = handler;
      this.trace = trace;
      this.peer = peer;
    }

    @Override
    public void send(ByteBuffer data) {
      if (data.hasRemaining()) {
        out.add(data);
      }
    }

    @Override
    public void closeAfterSending() {
      closing = true;
    }

    @Override
    public TlsConnection connection() {
      return tls;
    }
  }
}
