package dev.tlsloop.props;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.props.Conversation.Caller;
import dev.tlsloop.props.Conversation.Direction;
import dev.tlsloop.props.Conversation.Side;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same conversation and per-call checks as the properties, over a real loopback {@link
 * SocketChannel} pair whose send and receive buffers are a few KiB, so that the kernel fragments
 * records and blocks writes on its own schedule. Odd caller buffer sizes, both protocols and all
 * three directions. The receiving end is a selector loop asking a real {@link Selector}.
 */
class TinySocketBufferTest {
  private static final int SOCKET_BUFFER = 4096;
  private static final int PAYLOAD = 1 << 20;

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> b = Stream.builder();
    for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
      for (Direction d : Direction.values()) {
        b.add(Arguments.of(protocol, d));
      }
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void aMebibyteCrossesTinySocketBuffersIntactAndBothSidesEndClosed(
      String protocol, Direction direction) throws Exception {
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      // Set before bind/connect: the receive buffer sizes the TCP window at the handshake.
      listener.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      SocketChannel client = SocketChannel.open();
      client.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
      client.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
      client.connect(listener.getLocalAddress());
      SocketChannel server = listener.accept();
      server.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
      client.configureBlocking(false);
      server.configureBlocking(false);
      Metered c = new Metered(client);
      Metered s = new Metered(server);
      TlsConnection cc = Fixtures.config(true, protocol, false, false).newConnection(c);
      TlsConnection sc = Fixtures.config(false, protocol, false, false).newConnection(s);
      StreamBytes up = new StreamBytes(11, direction != Direction.SERVER_TO_CLIENT ? PAYLOAD : 0);
      StreamBytes down = new StreamBytes(12, direction != Direction.CLIENT_TO_SERVER ? PAYLOAD : 0);
      Caller odd = new Caller(1000, 777, false, false, direction == Direction.BOTH);
      Conversation conv =
          new Conversation(
              new Side("client", cc, c, up, down, odd, new long[0]),
              new Side("server", sc, s, down, up, odd, new long[0]));
      // The receiver is a selector loop whose readiness comes from a real Selector: the kernel
      // decides when it is called, and only hasBuffered() reports records already taken in.
      (direction == Direction.SERVER_TO_CLIENT ? conv.client : conv.server).selectorLoop = true;
      conv.realTime = true;
      conv.deadlineNanos = 30_000_000_000L;
      try {
        conv.run().assertCleanEnd();
      } finally {
        cc.close();
        sc.close();
        c.selector.close();
        s.selector.close();
      }
    }
  }

  /** A socket that counts what moved, for the driver's bookkeeping, and asks a selector. */
  private static final class Metered implements ByteChannel, Conversation.Metered {
    private final SocketChannel ch;
    private final Selector selector;
    private final SelectionKey key;
    private long moved;
    private long zeroCalls;

    Metered(SocketChannel ch) throws IOException {
      this.ch = ch;
      this.selector = Selector.open();
      this.key = ch.register(selector, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
    }

    @Override
    public boolean readable() {
      return ready(SelectionKey.OP_READ);
    }

    @Override
    public boolean writable() {
      return ready(SelectionKey.OP_WRITE);
    }

    /** What select() reports now. (A key left in the selected set would OR in stale ops.) */
    private boolean ready(int op) {
      if (!key.isValid()) {
        return false; // closed: the side failed or finished
      }
      try {
        selector.selectedKeys().clear();
        selector.selectNow();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return selector.selectedKeys().contains(key) && (key.readyOps() & op) != 0;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int n = ch.read(dst);
      count(n);
      return n;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = ch.write(src);
      count(n);
      return n;
    }

    private void count(int n) {
      if (n > 0) {
        moved += n;
      } else if (n == 0) {
        zeroCalls++;
      }
    }

    @Override
    public long moved() {
      return moved;
    }

    @Override
    public long zeroCalls() {
      return zeroCalls;
    }

    @Override
    public boolean isOpen() {
      return ch.isOpen();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
