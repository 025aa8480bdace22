package dev.tlsloop.bench.peer;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * tlsloop's non-blocking {@link TlsConnection} on the client, driven by a {@link Selector} as an
 * event loop would (README "Non-blocking use"); the server is {@link TlsloopPeer}'s blocking one,
 * so the row differs from {@code tlsloop} only in the client's loop.
 */
final class TlsloopNonBlockingPeer extends TlsloopPeer {
  TlsloopNonBlockingPeer() {
    super(false);
  }

  @Override
  public String name() {
    return "tlsloop-nb";
  }

  @Override
  public Connection connect() throws IOException {
    SocketChannel ch = SocketAcceptor.connect(serverPort());
    ch.configureBlocking(false);
    return new NonBlockingConnection(ch, client.newConnection(ch), fixture, group());
  }

  /** A TlsConnection plus the selector that waits for what it needs. */
  private static final class NonBlockingConnection implements Connection {
    private final SocketChannel ch;
    private final TlsConnection tls;
    private final Selector selector;
    private final SelectionKey key;
    private final Fixture fixture;
    private final String group;

    NonBlockingConnection(SocketChannel ch, TlsConnection tls, Fixture fixture, String group)
        throws IOException {
      this.ch = ch;
      this.fixture = fixture;
      this.tls = tls;
      this.group = group;
      this.selector = Selector.open();
      this.key = ch.register(selector, 0);
      TlsNeed need;
      while ((need = tls.handshake()) != TlsNeed.NOTHING) {
        await(need);
      }
    }

    /** Blocks in select until the socket can do what {@code need} says. */
    private void await(TlsNeed need) throws IOException {
      int ops;
      switch (need) {
        case READ:
          ops = SelectionKey.OP_READ;
          break;
        case WRITE:
          ops = SelectionKey.OP_WRITE;
          break;
        case NOTHING:
          return;
        default:
          throw new IllegalStateException("no task executor configured, yet need " + need);
      }
      key.interestOps(ops);
      selector.select();
      selector.selectedKeys().clear();
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
      while (src.hasRemaining()) {
        if (tls.write(src) == 0) {
          await(writeNeed());
        }
      }
      flush();
    }

    @Override
    public void write(ByteBuffer[] srcs) throws IOException {
      ByteBuffer last = srcs[srcs.length - 1];
      int first = 0;
      while (last.hasRemaining()) {
        if (tls.write(srcs, first, srcs.length - first) == 0) {
          await(writeNeed());
        }
        while (first < srcs.length - 1 && !srcs[first].hasRemaining()) {
          first++;
        }
      }
      flush();
    }

    /** After a write that took nothing: what it waits for (WRITE, or READ mid-handshake). */
    private TlsNeed writeNeed() {
      TlsNeed need = tls.need();
      return need == TlsNeed.NOTHING ? TlsNeed.WRITE : need;
    }

    private void flush() throws IOException {
      TlsNeed need;
      while ((need = tls.flush()) != TlsNeed.NOTHING) {
        await(need);
      }
    }

    @Override
    public void echo(ByteBuffer out, ByteBuffer in) throws IOException {
      write(out);
      while (in.hasRemaining()) {
        int n = tls.read(in);
        if (n < 0) {
          throw new EOFException("server closed before echoing " + in.remaining() + " bytes");
        }
        if (n == 0 && !tls.hasBuffered()) {
          // NOTHING here means "open, no data yet": wait for the socket to become readable.
          TlsNeed need = tls.need();
          await(tls.hasPendingOutput() || need == TlsNeed.WRITE ? TlsNeed.WRITE : TlsNeed.READ);
        }
      }
    }

    @Override
    public void forgetSession() {
      tls.session().invalidate();
    }

    @Override
    public String negotiated() {
      return fixture.negotiated(tls.session(), group);
    }

    @Override
    public void close() throws IOException {
      try {
        tls.close();
      } finally {
        selector.close();
        ch.close();
      }
    }
  }
}
