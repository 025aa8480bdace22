package dev.tlsloop.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How a thread waits for the peer, with no TLS at all: 64-byte ping-pong over plain loopback TCP,
 * both ends waiting the same way. {@code blocking}: a blocking read, as {@code SSLSocket} waits.
 * {@code readThenSelect}: a non-blocking read first and a selector wait when it finds nothing, as
 * {@code TlsChannel} waited until its read gate. {@code selectThenRead}: the selector wait first,
 * as {@code TlsChannel} waits now when the last read drained the socket. The question it answers:
 * how much of the gap between a selector-based blocking facade and {@code SSLSocket} is the way of
 * waiting (NOTES.md section 7). {@link #selectorLifecycle} is what a selector costs a connection.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WaitStyleBench {
  private static final int BYTES = 64;

  /** One loopback connection with an echo thread on the far end, both waiting in one style. */
  @State(Scope.Thread)
  public static class Pair {
    @Param({"blocking", "readThenSelect", "selectThenRead"})
    public String style;

    private Loopback sockets;
    private End near;
    private Thread echo;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      sockets = new Loopback();
      near = new End(sockets.client, style);
      End far = new End(sockets.server, style);
      echo = new Thread(() -> far.echoUntilClosed(), "wait-style-echo");
      echo.setDaemon(true);
      echo.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      near.close();
      echo.join(5000);
      sockets.close();
    }
  }

  @Benchmark
  public int pingPong(Pair p) throws IOException {
    return p.near.roundTrip();
  }

  /** A connected non-blocking socket, for {@link #selectorLifecycle}. */
  @State(Scope.Thread)
  public static class Socket {
    private Loopback sockets;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      sockets = new Loopback();
      sockets.client.configureBlocking(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      sockets.close();
    }
  }

  /** Two connected loopback sockets. */
  static final class Loopback {
    final SocketChannel client;
    final SocketChannel server;

    Loopback() throws IOException {
      try (ServerSocketChannel listener =
          ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
        client = SocketChannel.open(listener.getLocalAddress());
        server = listener.accept();
      }
    }

    void close() throws IOException {
      client.close();
      server.close();
    }
  }

  /**
   * What each of a {@code TlsChannel}'s two selectors costs a connection: open, register, change
   * the interest, one select, close.
   */
  @Benchmark
  public int selectorLifecycle(Socket s) throws IOException {
    try (Selector selector = Selector.open()) {
      SelectionKey key = s.sockets.client.register(selector, SelectionKey.OP_READ);
      key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
      return selector.selectNow();
    }
  }

  /** One socket and its way of waiting. */
  static final class End {
    private final SocketChannel ch;
    private final Selector selector;
    private final boolean selectFirst;
    private final ByteBuffer buf = ByteBuffer.allocate(BYTES);

    End(SocketChannel ch, String style) throws IOException {
      this.ch = ch;
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      if ("blocking".equals(style)) {
        selector = null;
        selectFirst = false;
      } else {
        ch.configureBlocking(false);
        selector = Selector.open();
        ch.register(selector, SelectionKey.OP_READ);
        selectFirst = "selectThenRead".equals(style);
      }
    }

    int roundTrip() throws IOException {
      buf.clear().position(BYTES); // 64 bytes to send
      writeAll();
      readFully();
      return buf.get(0);
    }

    void echoUntilClosed() {
      try {
        while (true) {
          readFully();
          writeAll();
        }
      } catch (IOException e) {
        // The near end closed: the trial is over.
      }
    }

    private void writeAll() throws IOException {
      buf.flip();
      while (buf.hasRemaining()) {
        ch.write(buf); // 64 bytes always fit in an idle socket's buffer
      }
      buf.clear();
    }

    private void readFully() throws IOException {
      buf.clear();
      while (buf.hasRemaining()) {
        if (selectFirst) {
          await();
        }
        int n = ch.read(buf);
        if (n < 0) {
          throw new EOFException();
        }
        if (n == 0 && selector != null && !selectFirst) {
          await();
        }
      }
    }

    private void await() throws IOException {
      selector.selectedKeys().clear();
      selector.select();
    }

    void close() throws IOException {
      ch.close();
      if (selector != null) {
        selector.close();
      }
    }
  }
}
