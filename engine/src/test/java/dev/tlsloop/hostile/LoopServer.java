package dev.tlsloop.hostile;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An echo server made of non-blocking {@link TlsConnection}s on one selector thread, the way the
 * demo server drives them: read on readiness, read again while {@code hasBuffered()}, watch
 * OP_WRITE while {@code hasPendingOutput()}. A connection that fails is logged as one line; its end
 * state and exception are kept by the client's port so a test can find them.
 */
final class LoopServer implements Runnable, AutoCloseable {
  /** How a connection ended. */
  record Ended(TlsState state, IOException failure) {}

  private final TlsConfig config;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final Thread thread;
  private volatile boolean stopping;

  /** One line per failed connection. */
  final List<String> log = Collections.synchronizedList(new ArrayList<>());

  /** Connections whose delegated task finished: serviced by the loop thread. */
  private final Queue<Conn> taskDone = new ConcurrentLinkedQueue<>();

  /** Ended connections by the client's port. */
  final Map<Integer, Ended> ended = new ConcurrentHashMap<>();

  LoopServer(TlsConfig config) throws IOException {
    this.config = config;
    this.selector = Selector.open();
    this.server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 64);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    thread = new Thread(this, "loop-server");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress address() throws IOException {
    return (InetSocketAddress) server.getLocalAddress();
  }

  /** Waits up to {@code millis} for the connection from {@code clientPort} to end. */
  Ended awaitEnd(int clientPort, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      Ended e = ended.get(clientPort);
      if (e != null) {
        return e;
      }
      Thread.sleep(5);
    }
    return null;
  }

  /** The log lines that name the connection from {@code clientPort}. */
  List<String> logLinesFor(int clientPort) {
    List<String> out = new ArrayList<>();
    synchronized (log) {
      for (String line : log) {
        if (line.startsWith("connection from :" + clientPort + " ")) {
          out.add(line);
        }
      }
    }
    return out;
  }

  @Override
  public void run() {
    try {
      while (!stopping) {
        selector.select(200);
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
        Conn c;
        while ((c = taskDone.poll()) != null) {
          if (c.key.isValid()) {
            service(c); // a delegated task finished on the executor
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.add("server loop failed: " + e);
    } finally {
      for (SelectionKey k : selector.keys()) {
        if (k.attachment() instanceof Conn c) {
          try {
            c.tls.close();
          } catch (IOException ignored) {
            // Shutting down.
          }
        }
      }
      try {
        server.close();
        selector.close();
      } catch (IOException ignored) {
        // Shutting down.
      }
    }
  }

  private void accept() throws IOException {
    SocketChannel ch;
    while ((ch = server.accept()) != null) {
      ch.configureBlocking(false);
      ch.socket().setTcpNoDelay(true);
      int port = ((InetSocketAddress) ch.getRemoteAddress()).getPort();
      Conn c = new Conn(config.newConnection(ch), port);
      c.key = ch.register(selector, SelectionKey.OP_READ, c);
      c.tls.setTaskCompletionCallback(
          () -> {
            taskDone.add(c);
            selector.wakeup();
          });
    }
  }

  /** Echoes what arrives; answers close_notify with close_notify; logs a failure once. */
  private void service(Conn c) {
    TlsConnection tls = c.tls;
    try {
      for (int round = 0; round < 64; round++) {
        if (c.pending.hasRemaining()) {
          tls.write(c.pending);
          if (c.pending.hasRemaining()) {
            break; // netOut full: wait for OP_WRITE
          }
        }
        if (c.closing) {
          if (tls.shutdownOutput() == TlsNeed.NOTHING) {
            end(c, null);
            return;
          }
          break;
        }
        c.pending.clear();
        int n = tls.read(c.pending);
        c.pending.flip();
        if (n < 0) {
          c.closing = true;
        } else if (n == 0 && !tls.hasBuffered()) {
          break;
        }
      }
      int ops = SelectionKey.OP_READ;
      if (tls.need() == TlsNeed.WRITE || tls.hasPendingOutput() || c.pending.hasRemaining()) {
        ops |= SelectionKey.OP_WRITE;
      }
      c.key.interestOps(ops);
    } catch (IOException | RuntimeException e) {
      end(c, e);
    }
  }

  private void end(Conn c, Exception failure) {
    c.key.cancel();
    if (failure != null) {
      log.add("connection from :" + c.port + " failed: " + failure);
    }
    try {
      c.tls.close();
    } catch (IOException ignored) {
      // The transport is closed either way.
    }
    IOException io = c.tls.failure();
    ended.put(c.port, new Ended(c.tls.state(), io));
  }

  @Override
  public void close() {
    stopping = true;
    selector.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Conn {
    final TlsConnection tls;
    final int port;
    final ByteBuffer pending = ByteBuffer.allocate(32 * 1024).flip();
    SelectionKey key;
    boolean closing;

    Conn(TlsConnection tls, int port) {
      this.tls = tls;
      this.port = port;
    }
  }
}
