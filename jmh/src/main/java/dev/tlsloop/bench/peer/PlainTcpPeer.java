package dev.tlsloop.bench.peer;

import java.io.IOException;

/** No TLS: blocking {@link java.nio.channels.SocketChannel}s, what the kernel alone costs. */
final class PlainTcpPeer implements Peer {
  private BlockingServer server;

  @Override
  public String name() {
    return "plain";
  }

  @Override
  public void start(Fixture fixture, ServerMode mode) throws IOException {
    server = new BlockingServer(name(), new SocketAcceptor(ch -> ch), mode);
  }

  @Override
  public Connection connect() throws IOException {
    return new ChannelConnection(SocketAcceptor.connect(server.port())) {
      @Override
      public void forgetSession() {}

      @Override
      public String negotiated() {
        return "plain TCP";
      }
    };
  }

  @Override
  public void close() throws IOException {
    if (server != null) {
      server.close();
    }
  }
}
