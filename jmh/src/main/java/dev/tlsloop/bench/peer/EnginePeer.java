package dev.tlsloop.bench.peer;

import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * The ceiling: two bare JDK {@link SSLEngine}s in one thread, ciphertext handed over in memory. No
 * socket, no state machine, no second thread; every byte is encrypted and decrypted exactly as in
 * the socket rows, so no TLS implementation on the JDK provider can beat it. "Server mode" does not
 * apply: the benchmark's own operation (sink or echo) is done inline.
 */
final class EnginePeer implements Peer {
  /** Any port: it only keys the client's session cache, so resumption works as over a socket. */
  private static final int CACHE_PORT = 443;

  private SSLContext serverContext;
  private SSLContext clientContext;
  private Fixture fixture;

  @Override
  public String name() {
    return "ceiling";
  }

  @Override
  public void start(Fixture fixture, ServerMode mode) throws Exception {
    this.fixture = fixture;
    serverContext = fixture.jdkServerContext();
    clientContext = fixture.jdkClientContext();
  }

  @Override
  public Connection connect() throws IOException {
    return new Pair(
        fixture,
        fixture.pinnedEngine(clientContext, true, CACHE_PORT),
        fixture.pinnedEngine(serverContext, false, 0));
  }

  @Override
  public void close() {}

  /** A client and a server engine and the buffers between them. */
  private static final class Pair implements Connection {
    private final Fixture fixture;
    private final SSLEngine client;
    private final SSLEngine server;
    private final ByteBuffer net;
    private final ByteBuffer serverApp;
    private final ByteBuffer clientApp;

    Pair(Fixture fixture, SSLEngine client, SSLEngine server) throws SSLException {
      this.fixture = fixture;
      this.client = client;
      this.server = server;
      int packet = client.getSession().getPacketBufferSize();
      int app = client.getSession().getApplicationBufferSize();
      this.net = ByteBuffer.allocate(4 * packet);
      this.serverApp = ByteBuffer.allocate(4 * app);
      this.clientApp = ByteBuffer.allocate(4 * app);
      handshake();
    }

    /**
     * Lock-step handshake: each side wraps what it has, the other unwraps it, tasks run inline,
     * until neither is handshaking and nothing is in flight, so the server's NewSessionTicket is
     * consumed here (and cached: the resumed rows need it) rather than in the first measured op.
     */
    private void handshake() throws SSLException {
      ByteBuffer toServer = net;
      ByteBuffer toClient = ByteBuffer.allocate(net.capacity());
      ByteBuffer empty = ByteBuffer.allocate(0);
      client.beginHandshake();
      server.beginHandshake();
      for (int round = 0; round < 100; round++) {
        client.wrap(empty, toServer);
        server.wrap(empty, toClient);
        runTasks(client);
        runTasks(server);
        toServer.flip();
        serverApp.clear();
        server.unwrap(toServer, serverApp);
        toServer.compact();
        toClient.flip();
        clientApp.clear();
        client.unwrap(toClient, clientApp);
        toClient.compact();
        runTasks(client);
        runTasks(server);
        if (round > 2
            && toServer.position() == 0
            && toClient.position() == 0
            && client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
            && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
          return;
        }
      }
      throw new SSLException("in-memory handshake did not finish");
    }

    private static void runTasks(SSLEngine e) {
      Runnable task;
      while ((task = e.getDelegatedTask()) != null) {
        task.run();
      }
    }

    /** One record at a time: wrap on {@code from}, unwrap all of it on {@code to} into dst. */
    private void move(SSLEngine from, ByteBuffer src, SSLEngine to, ByteBuffer dst)
        throws SSLException {
      while (src.hasRemaining()) {
        net.clear();
        check(from.wrap(src, net));
        net.flip();
        while (net.hasRemaining()) {
          check(to.unwrap(net, dst));
        }
      }
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
      serverApp.clear();
      move(client, src, server, serverApp);
    }

    @Override
    public void write(ByteBuffer[] srcs) throws IOException {
      for (ByteBuffer b : srcs) {
        write(b);
      }
    }

    @Override
    public void echo(ByteBuffer out, ByteBuffer in) throws IOException {
      serverApp.clear();
      move(client, out, server, serverApp);
      serverApp.flip();
      // Into the engine-sized buffer, then copied: the JDK engine reports BUFFER_OVERFLOW when
      // dst has less room than its estimate of the record's plaintext, a few bytes over 64.
      clientApp.clear();
      move(server, serverApp, client, clientApp);
      clientApp.flip();
      if (clientApp.remaining() != in.remaining()) {
        throw new SSLException("echoed " + clientApp.remaining() + " of " + in.remaining());
      }
      in.put(clientApp);
    }

    @Override
    public void forgetSession() {
      client.getSession().invalidate();
    }

    @Override
    public String negotiated() {
      return fixture.negotiated(client.getSession(), Fixture.JDK_GROUP);
    }

    @Override
    public void close() {
      client.closeOutbound();
      server.closeOutbound();
    }

    /** Anything but OK means this bare loop met something it does not handle: stop the trial. */
    private static void check(SSLEngineResult r) throws SSLException {
      if (r.getStatus() != SSLEngineResult.Status.OK
          || r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
        throw new SSLException("ceiling engine: " + r);
      }
    }
  }
}
