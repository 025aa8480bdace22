package dev.tlsloop.loop;

import dev.tlsloop.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.util.function.Supplier;

/** A listening socket of a {@link TlsLoopGroup}, owned by one loop that accepts for all. */
final class Listener {
  final ServerSocketChannel server;
  final InetSocketAddress address;
  final TlsConfig config;
  final Supplier<? extends TlsHandler> handlers;
  SelectionKey key;

  /** While accept() rests after an error (System.nanoTime()); MAX_VALUE when accepting. */
  long pausedUntil = Long.MAX_VALUE;

  Listener(ServerSocketChannel server, TlsConfig config, Supplier<? extends TlsHandler> handlers)
      throws IOException {
    this.server = server;
    this.address = (InetSocketAddress) server.getLocalAddress();
    this.config = config;
    this.handlers = handlers;
  }

  void close() {
    if (key != null) {
      key.cancel();
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // Closing a listener that failed: nothing more to do.
    }
  }
}
