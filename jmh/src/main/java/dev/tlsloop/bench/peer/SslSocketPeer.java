package dev.tlsloop.bench.peer;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The JDK's {@link SSLSocket} on both ends: what a blocking Java program gets without any library.
 * Gathering writes are one {@code write} per buffer, the only way a stream takes them.
 */
final class SslSocketPeer implements Peer {
  private BlockingServer server;
  private SSLContext clientContext;
  private Fixture fixture;

  @Override
  public String name() {
    return "sslsocket";
  }

  @Override
  public void start(Fixture fixture, ServerMode mode) throws Exception {
    this.fixture = fixture;
    SSLContext serverContext = fixture.jdkServerContext();
    SSLServerSocket ss =
        (SSLServerSocket)
            serverContext
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    ss.setSSLParameters(fixture.pin(ss.getSSLParameters(), false));
    server =
        new BlockingServer(
            name(),
            new BlockingServer.Acceptor() {
              @Override
              public ByteChannel accept() throws IOException {
                SSLSocket s = (SSLSocket) ss.accept();
                s.setTcpNoDelay(true);
                return new StreamChannel(s);
              }

              @Override
              public int port() {
                return ss.getLocalPort();
              }

              @Override
              public void close() throws IOException {
                ss.close();
              }
            },
            mode);
    clientContext = fixture.jdkClientContext();
  }

  @Override
  public Connection connect() throws IOException {
    SSLSocket s =
        (SSLSocket) clientContext.getSocketFactory().createSocket(Fixture.HOST, server.port());
    s.setTcpNoDelay(true);
    s.setSSLParameters(fixture.pin(s.getSSLParameters(), true));
    s.startHandshake();
    StreamChannel ch = new StreamChannel(s);
    return new ChannelConnection(ch) {
      @Override
      public void forgetSession() {
        s.getSession().invalidate();
      }

      @Override
      public String negotiated() {
        return fixture.negotiated(s.getSession(), Fixture.JDK_GROUP);
      }
    };
  }

  @Override
  public void close() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /**
   * A socket's streams as a channel. Writes go straight from the buffer's array (the payloads are
   * heap buffers), so the adapter adds no copy the stream API would not make anyway.
   */
  private static final class StreamChannel implements ByteChannel {
    private final SSLSocket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ReadableByteChannel reader;

    StreamChannel(SSLSocket socket) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
      this.reader = Channels.newChannel(in);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (dst.hasArray()) {
        int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
          dst.position(dst.position() + n);
        }
        return n;
      }
      return reader.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (!src.hasArray()) {
        throw new EOFException("SSLSocket rows use heap buffers");
      }
      int n = src.remaining();
      out.write(src.array(), src.arrayOffset() + src.position(), n);
      src.position(src.position() + n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return !socket.isClosed();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
