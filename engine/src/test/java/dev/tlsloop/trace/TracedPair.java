package dev.tlsloop.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsListener;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A client and a server connection over a {@link MemoryPipe}, driven in turn on one thread: the
 * handshake, one request and reply, then close. Each side has a {@link TlsTrace} collecting its
 * lines, and the bytes each side wrote are captured for the decoder tests.
 */
final class TracedPair {
  final List<String> clientLines = new ArrayList<>();
  final List<String> serverLines = new ArrayList<>();
  final TlsTrace clientTrace = new TlsTrace("client", clientLines::add);
  final TlsTrace serverTrace = new TlsTrace("server", serverLines::add);
  final ByteArrayOutputStream clientWrote = new ByteArrayOutputStream();
  final ByteArrayOutputStream serverWrote = new ByteArrayOutputStream();
  final TlsConnection client;
  final TlsConnection server;

  TracedPair(TlsConfig clientConfig, TlsConfig serverConfig) {
    MemoryPipe pipe = new MemoryPipe();
    client = clientConfig.newConnection(pipe.client);
    server = serverConfig.newConnection(pipe.server);
    client.setListener(new Tee(clientTrace, clientWrote));
    server.setListener(new Tee(serverTrace, serverWrote));
  }

  /** Runs the handshake to OPEN on both sides (waiting for tasks on an executor, if any). */
  TracedPair handshake() throws IOException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      TlsNeed c = client.handshake();
      TlsNeed s = server.handshake();
      if (c == TlsNeed.NOTHING
          && s == TlsNeed.NOTHING
          && client.state() == TlsState.OPEN
          && server.state() == TlsState.OPEN) {
        return this;
      }
      if (c == TlsNeed.TASK || s == TlsNeed.TASK) {
        Thread.onSpinWait();
      }
    }
    return fail("handshake did not finish: " + client + " / " + server);
  }

  /** Client sends "ping", server answers "pong" (this also delivers TLS 1.3 session tickets). */
  TracedPair exchange() throws IOException {
    assertEquals(4, client.write(ascii("ping")));
    assertEquals("ping", readSome(server));
    assertEquals(4, server.write(ascii("pong")));
    assertEquals("pong", readSome(client));
    return this;
  }

  /** Client closes; the server reads the close_notify and closes too. */
  void close() throws IOException {
    client.close();
    ByteBuffer b = ByteBuffer.allocate(16);
    for (int i = 0; i < 10 && server.read(b) != -1; i++) {
      b.clear();
    }
    server.close();
  }

  private static String readSome(TlsConnection conn) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64);
    for (int i = 0; i < 20 && b.position() == 0; i++) {
      conn.read(b);
    }
    b.flip();
    return StandardCharsets.US_ASCII.decode(b).toString();
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
  }

  /** Passes every event to the trace and copies written bytes aside. */
  private static final class Tee implements TlsListener {
    private final TlsTrace trace;
    private final ByteArrayOutputStream wrote;

    Tee(TlsTrace trace, ByteArrayOutputStream wrote) {
      this.trace = trace;
      this.wrote = wrote;
    }

    @Override
    public void onStateChange(TlsConnection c, TlsState from, TlsState to) {
      trace.onStateChange(c, from, to);
    }

    @Override
    public void onHandshakeFinished(TlsConnection c) {
      trace.onHandshakeFinished(c);
    }

    @Override
    public void onWrap(TlsConnection c, String why, javax.net.ssl.SSLEngineResult r) {
      trace.onWrap(c, why, r);
    }

    @Override
    public void onUnwrap(TlsConnection c, String why, javax.net.ssl.SSLEngineResult r) {
      trace.onUnwrap(c, why, r);
    }

    @Override
    public void onTransportRead(TlsConnection c, ByteBuffer b, int offset, int length) {
      trace.onTransportRead(c, b, offset, length);
    }

    @Override
    public void onTransportWrite(TlsConnection c, ByteBuffer b, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        wrote.write(b.get(i));
      }
      trace.onTransportWrite(c, b, offset, length);
    }

    @Override
    public void onTransportEof(TlsConnection c) {
      trace.onTransportEof(c);
    }

    @Override
    public void onTask(TlsConnection c, long nanos, boolean offloaded) {
      trace.onTask(c, nanos, offloaded);
    }

    @Override
    public void onBuffer(TlsConnection c, BufferRole role, BufferEvent event, int capacity) {
      trace.onBuffer(c, role, event, capacity);
    }
  }
}
