package dev.tlsloop.bench.peer;

import java.io.IOException;
import javax.net.ssl.SSLContext;
import tlschannel.ClientTlsChannel;
import tlschannel.ServerTlsChannel;

/**
 * tls-channel ({@code com.github.marianobarrios:tls-channel}) on both ends, blocking, with its
 * defaults apart from the pinned engine parameters.
 */
final class TlsChannelPeer implements Peer {
  private BlockingServer server;
  private SSLContext clientContext;
  private Fixture fixture;

  @Override
  public String name() {
    return "tls-channel";
  }

  @Override
  public void start(Fixture fixture, ServerMode mode) throws Exception {
    this.fixture = fixture;
    SSLContext serverContext = fixture.jdkServerContext();
    server =
        new BlockingServer(
            name(),
            new SocketAcceptor(
                ch ->
                    ServerTlsChannel.newBuilder(ch, serverContext)
                        .withEngineFactory(ctx -> fixture.pinnedEngine(ctx, false, 0))
                        .build()),
            mode);
    clientContext = fixture.jdkClientContext();
  }

  @Override
  public Connection connect() throws IOException {
    ClientTlsChannel ch =
        ClientTlsChannel.newBuilder(
                SocketAcceptor.connect(server.port()),
                fixture.pinnedEngine(clientContext, true, server.port()))
            .build();
    ch.handshake();
    return new ChannelConnection(ch) {
      @Override
      public void forgetSession() {
        ch.getSslEngine().getSession().invalidate();
      }

      @Override
      public String negotiated() {
        return fixture.negotiated(ch.getSslEngine().getSession(), Fixture.JDK_GROUP);
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
