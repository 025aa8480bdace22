package dev.tlsloop.bench.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;

/**
 * Netty's {@link SslHandler} on both ends, over the JDK engine ({@code netty-jdk}) or BoringSSL
 * from netty-tcnative-boringssl-static ({@code netty-openssl}, linux-x86_64 only here). One
 * event-loop thread for the server, one for the client; the benchmark thread hands writes to the
 * client loop as a Netty application does. Batched writes are Netty's idiom: 63 {@code write}s,
 * then {@code writeAndFlush}. The caller waits only when the channel stops being writable.
 */
final class NettyPeer implements Peer {
  private final boolean openssl;
  private EventLoopGroup serverGroup;
  private EventLoopGroup clientGroup;
  private Channel serverChannel;
  private SslContext clientContext;
  private Fixture fixture;
  private int port;

  NettyPeer(boolean openssl) {
    this.openssl = openssl;
  }

  /** Why this peer cannot run on this machine, if it cannot. */
  static Optional<String> unavailability(boolean openssl) {
    if (!openssl || OpenSsl.isAvailable()) {
      return Optional.empty();
    }
    return Optional.of(
        "netty-tcnative BoringSSL needs linux-x86_64 (this is "
            + System.getProperty("os.name")
            + "/"
            + System.getProperty("os.arch")
            + "): "
            + OpenSsl.unavailabilityCause());
  }

  @Override
  public String name() {
    return openssl ? "netty-openssl" : "netty-jdk";
  }

  @Override
  public ByteBuffer allocate(int capacity) {
    // BoringSSL reads from native memory: a heap payload would be copied by SslHandler first.
    return openssl ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
  }

  @Override
  public void start(Fixture fixture, ServerMode mode) throws Exception {
    Optional<String> why = unavailability(openssl);
    if (why.isPresent()) {
      throw new IllegalStateException("unavailable: " + why.get());
    }
    this.fixture = fixture;
    SslContext serverContext =
        pin(SslContextBuilder.forServer(
                fixture.serverIdentity().privateKey(), fixture.serverIdentity().chain()))
            .build();
    clientContext =
        pin(SslContextBuilder.forClient().trustManager(fixture.countingTrustManager()))
            .endpointIdentificationAlgorithm("HTTPS")
            .build();
    serverGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    clientGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ChannelHandler serve = mode == ServerMode.ECHO ? new Echo() : new Sink();
    serverChannel =
        new ServerBootstrap()
            .group(serverGroup)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(serverContext.newHandler(ch.alloc()), serve);
                  }
                })
            .bind(Fixture.loopback(0))
            .syncUninterruptibly()
            .channel();
    port = ((java.net.InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  private SslContextBuilder pin(SslContextBuilder b) {
    b.sslProvider(openssl ? SslProvider.OPENSSL : SslProvider.JDK)
        .protocols(fixture.protocol())
        .ciphers(List.of(fixture.suite()));
    if (openssl) {
      b.option(OpenSslContextOption.GROUPS, new String[] {"X25519"});
    }
    return b;
  }

  @Override
  public Connection connect() throws IOException {
    Received received = new Received();
    Channel ch =
        new Bootstrap()
            .group(clientGroup)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline()
                        .addLast(clientContext.newHandler(c.alloc(), Fixture.HOST, port), received);
                  }
                })
            .connect(Fixture.loopback(port))
            .syncUninterruptibly()
            .channel();
    SslHandler ssl = ch.pipeline().get(SslHandler.class);
    await(ssl.handshakeFuture());
    return new NettyConnection(ch, ssl, received, openssl, clientContext, fixture);
  }

  static void await(io.netty.util.concurrent.Future<?> f) throws IOException {
    f.awaitUninterruptibly();
    if (!f.isSuccess()) {
      throw new IOException(f.cause());
    }
  }

  @Override
  public void close() {
    if (serverChannel != null) {
      serverChannel.close().syncUninterruptibly();
    }
    for (EventLoopGroup g : new EventLoopGroup[] {clientGroup, serverGroup}) {
      if (g != null) {
        g.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      }
    }
  }

  private static final class NettyConnection implements Connection {
    private final Channel ch;
    private final SslHandler ssl;
    private final Received received;
    private final boolean openssl;
    private final SslContext context;
    private final Fixture fixture;
    private ChannelFuture last;

    NettyConnection(
        Channel ch,
        SslHandler ssl,
        Received received,
        boolean openssl,
        SslContext context,
        Fixture fixture) {
      this.context = context;
      this.fixture = fixture;
      this.ch = ch;
      this.ssl = ssl;
      this.received = received;
      this.openssl = openssl;
    }

    /** The payload without a copy; the buffer's bytes never change, only its position. */
    private static ByteBuf wrap(ByteBuffer src) {
      ByteBuf b = Unpooled.wrappedBuffer(src.slice());
      src.position(src.limit());
      return b;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
      last = ch.writeAndFlush(wrap(src));
      throttle();
    }

    @Override
    public void write(ByteBuffer[] srcs) throws IOException {
      for (int i = 0; i < srcs.length - 1; i++) {
        ch.write(wrap(srcs[i]), ch.voidPromise());
      }
      last = ch.writeAndFlush(wrap(srcs[srcs.length - 1]));
      throttle();
    }

    /** Back-pressure as a Netty application does it: wait while the channel is not writable. */
    private void throttle() throws IOException {
      if (!ch.isWritable()) {
        await(last);
      }
    }

    @Override
    public void echo(ByteBuffer out, ByteBuffer in) throws IOException {
      int want = in.remaining();
      last = ch.writeAndFlush(wrap(out));
      received.await(want);
      // The bytes were counted on the event loop, not copied out: mark them read.
      in.position(in.limit());
    }

    @Override
    public void forgetSession() {
      ssl.engine().getSession().invalidate();
      // Netty's OpenSSL client cache still resumes an invalidated session (measured: 0 full
      // handshakes in 2206 "full" connections), so forgetting turns that cache off for good:
      // the full-handshake benchmark never wants a resumption.
      if (context.sessionContext() instanceof OpenSslSessionContext) {
        ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
      }
    }

    @Override
    public String negotiated() {
      SSLSession s = ssl.engine().getSession();
      return fixture.negotiated(
          s, openssl ? "X25519 (pinned, OpenSslContextOption.GROUPS)" : Fixture.JDK_GROUP);
    }

    @Override
    public void close() throws IOException {
      await(ch.close());
    }
  }

  /** Client side: counts received plaintext bytes as semaphore permits. */
  private static final class Received extends ChannelInboundHandlerAdapter {
    private final Semaphore bytes = new Semaphore(0);
    private volatile Throwable failure;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      int n = ((ByteBuf) msg).readableBytes();
      ReferenceCountUtil.release(msg);
      bytes.release(n);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      failure = cause;
      bytes.release(Integer.MAX_VALUE / 2);
      ctx.close();
    }

    void await(int n) throws IOException {
      try {
        if (!bytes.tryAcquire(n, 30, TimeUnit.SECONDS)) {
          throw new IOException("no echo of " + n + " bytes in 30 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      if (failure != null) {
        throw new IOException(failure);
      }
    }

    @Override
    public boolean isSharable() {
      return false;
    }
  }

  /** Server: drops what it reads. */
  @ChannelHandler.Sharable
  private static final class Sink extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Server: writes back what it reads, flushed once per read burst. */
  @ChannelHandler.Sharable
  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.write(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
