package dev.tlsloop.bench.peer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Accepts blocking {@link SocketChannel}s on 127.0.0.1 and wraps each (TLS or not). */
final class SocketAcceptor implements BlockingServer.Acceptor {
  /** Turns an accepted socket into the server's channel. */
  interface Wrap {
    ByteChannel wrap(SocketChannel accepted) throws IOException;
  }

  private final ServerSocketChannel server;
  private final Wrap wrap;

  SocketAcceptor(Wrap wrap) throws IOException {
    this.server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    this.wrap = wrap;
  }

  @Override
  public ByteChannel accept() throws IOException {
    SocketChannel ch = server.accept();
    ch.socket().setTcpNoDelay(true);
    try {
      return wrap.wrap(ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public int port() {
    return server.socket().getLocalPort();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /** A blocking client socket to {@code port}, Nagle off (the latency rows need it). */
  static SocketChannel connect(int port) throws IOException {
    SocketChannel ch = SocketChannel.open(Fixture.loopback(port));
    ch.socket().setTcpNoDelay(true);
    return ch;
  }
}
