package dev.tlsloop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A connected pair of loopback sockets: {@link #client} and {@link #server}. */
final class Loopback implements AutoCloseable {
  final SocketChannel client;
  final SocketChannel server;

  private Loopback(SocketChannel client, SocketChannel server) {
    this.client = client;
    this.server = server;
  }

  static Loopback open() throws IOException {
    return open("127.0.0.1");
  }

  /** A pair connected over {@code loopbackAddress}, such as "::1" for IPv6. */
  static Loopback open(String loopbackAddress) throws IOException {
    try (ServerSocketChannel l =
        ServerSocketChannel.open().bind(new InetSocketAddress(loopbackAddress, 0))) {
      SocketChannel c = SocketChannel.open(l.getLocalAddress());
      SocketChannel s = l.accept();
      return new Loopback(c, s);
    }
  }

  @Override
  public void close() throws IOException {
    client.close();
    server.close();
  }
}
