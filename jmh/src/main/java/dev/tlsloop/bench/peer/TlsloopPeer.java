package dev.tlsloop.bench.peer;

import dev.tlsloop.BufferAllocator;
import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Provider;
import javax.net.ssl.SSLContext;
import org.conscrypt.Conscrypt;

/**
 * tlsloop's blocking {@link TlsChannel} on both ends, over the JDK provider ({@code tlsloop}) or
 * over Conscrypt ({@code tlsloop-conscrypt}, BoringSSL inside, direct buffers).
 *
 * <p>Conscrypt quirk: its TLS 1.3 suites are fixed by BoringSSL and cannot be enabled or disabled;
 * a Conscrypt server whose enabled suites name only a TLS 1.3 suite is left with no usable suite
 * and fails the handshake (NO_CERTIFICATE_SET). So that row pins only the protocol, and {@link
 * Fixture#negotiated} checks that AES-128-GCM was chosen (BoringSSL prefers it when the CPU has AES
 * instructions) and X25519 (BoringSSL's first group).
 */
class TlsloopPeer implements Peer {
  private final boolean conscrypt;
  private BlockingServer server;
  TlsConfig client;
  Fixture fixture;

  TlsloopPeer(boolean conscrypt) {
    this.conscrypt = conscrypt;
  }

  @Override
  public String name() {
    return conscrypt ? "tlsloop-conscrypt" : "tlsloop";
  }

  @Override
  public ByteBuffer allocate(int capacity) {
    return conscrypt ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
  }

  @Override
  public void start(Fixture fixture, ServerMode mode) throws Exception {
    this.fixture = fixture;
    TlsConfig serverConfig = pin(TlsConfig.server(serverContext(fixture))).build();
    server =
        new BlockingServer(name(), new SocketAcceptor(ch -> serverConfig.newChannel(ch)), mode);
    client =
        pin(TlsConfig.client(Fixture.HOST, server.port()).sslContext(clientContext(fixture)))
            .build();
  }

  /** {@code -Dtlsloop.bench.direct=true}: the JDK-engine rows with direct buffers too. */
  private static final boolean DIRECT = Boolean.getBoolean("tlsloop.bench.direct");

  private TlsConfig.Builder pin(TlsConfig.Builder b) {
    b.protocols(fixture.protocol())
        .allocator(conscrypt || DIRECT ? BufferAllocator.DIRECT : BufferAllocator.HEAP);
    // Conscrypt's TLS 1.3 suites cannot be pinned (see the class comment); its TLS 1.2 ones can.
    return conscrypt && fixture.tls13() ? b : b.cipherSuites(fixture.suite());
  }

  private SSLContext serverContext(Fixture f) throws GeneralSecurityException {
    if (!conscrypt) {
      return f.jdkServerContext();
    }
    SSLContext ctx = SSLContext.getInstance("TLS", conscryptProvider());
    ctx.init(f.serverIdentity().keyManagers(), null, null);
    return ctx;
  }

  private SSLContext clientContext(Fixture f) throws GeneralSecurityException {
    if (!conscrypt) {
      return f.jdkClientContext();
    }
    SSLContext ctx = SSLContext.getInstance("TLS", conscryptProvider());
    ctx.init(null, new javax.net.ssl.TrustManager[] {f.countingTrustManager()}, null);
    return ctx;
  }

  private static Provider conscryptProvider() {
    return Conscrypt.newProvider();
  }

  /** The group the row ran with: pinned for the JDK, BoringSSL's default first for Conscrypt. */
  final String group() {
    return conscrypt ? "X25519 (BoringSSL default, first offered)" : Fixture.JDK_GROUP;
  }

  /** The server's port, once started. */
  final int serverPort() {
    return server.port();
  }

  @Override
  public Connection connect() throws IOException {
    TlsChannel ch = client.newChannel(SocketAcceptor.connect(server.port()));
    ch.handshake();
    return new ChannelConnection(ch) {
      @Override
      public void forgetSession() {
        ch.connection().session().invalidate();
      }

      @Override
      public String negotiated() {
        return fixture.negotiated(ch.connection().session(), group());
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
