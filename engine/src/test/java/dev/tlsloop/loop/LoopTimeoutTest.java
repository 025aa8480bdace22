package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsTimeoutException;
import dev.tlsloop.internal.Hellos;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each deadline fires for the peer it exists for, and the connection is gone afterwards: key
 * cancelled, socket closed, buffers released, as the loop's counters show.
 */
class LoopTimeoutTest {
  static final Duration TIMEOUT = Duration.ofMillis(500);

  /** Slack for a busy 2-core machine; the point is "ends", not "ends to the millisecond". */
  static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(5);

  LoopFixture f;
  TlsLoopGroup group;
  Ended ended;
  InetSocketAddress at;

  @BeforeEach
  void start() throws Exception {
    f = new LoopFixture();
    group = LoopFixture.group(1);
    ended = new Ended();
  }

  @AfterEach
  void stop() {
    group.close();
  }

  private void listen(boolean closeAfterHandshake) throws Exception {
    listen(closeAfterHandshake, TIMEOUT);
  }

  /** The handshake timeout apart: under load a real handshake may take longer than 500 ms. */
  private void listen(boolean closeAfterHandshake, Duration handshakeTimeout) throws Exception {
    at =
        group.listen(
            f.server()
                .handshakeTimeout(handshakeTimeout)
                .idleTimeout(TIMEOUT)
                .closeTimeout(TIMEOUT)
                .build(),
            new InetSocketAddress("127.0.0.1", 0),
            ended.echo(closeAfterHandshake));
  }

  @Test
  void aPeerThatConnectsAndSendsNothingIsDroppedAtTheHandshakeTimeout() throws Exception {
    listen(false);
    try (SocketChannel peer = SocketChannel.open(at)) {
      long t0 = System.nanoTime();
      assertEnded(TlsTimeoutException.Kind.HANDSHAKE, t0);
      assertPeerSeesTheEnd(peer);
    }
  }

  @Test
  void aPeerThatStopsHalfwayThroughItsClientHelloIsDroppedAtTheHandshakeTimeout() throws Exception {
    listen(false);
    byte[] hello = clientHello();
    try (SocketChannel peer = SocketChannel.open(at)) {
      peer.write(ByteBuffer.wrap(hello, 0, hello.length / 2));
      long t0 = System.nanoTime();
      assertEnded(TlsTimeoutException.Kind.HANDSHAKE, t0);
      assertPeerSeesTheEnd(peer);
    }
  }

  @Test
  void aSlowlorisPeerDrippingItsClientHelloIsDroppedAtTheHandshakeTimeout() throws Exception {
    listen(false);
    byte[] hello = clientHello();
    try (SocketChannel peer = SocketChannel.open(at)) {
      long t0 = System.nanoTime();
      // One byte every 50 ms: activity does not renew the handshake deadline, creation starts it.
      for (int i = 0; i < hello.length && ended.ends.isEmpty(); i++) {
        try {
          peer.write(ByteBuffer.wrap(hello, i, 1));
        } catch (IOException closed) {
          break;
        }
        Thread.sleep(50);
      }
      assertEnded(TlsTimeoutException.Kind.HANDSHAKE, t0);
      assertPeerSeesTheEnd(peer);
    }
  }

  @Test
  void aPeerThatSendsHalfARecordAfterTheHandshakeIsDroppedAtTheIdleTimeout() throws Exception {
    listen(false, Duration.ofSeconds(30));
    SocketChannel raw = SocketChannel.open(at);
    try (TlsChannel tls = f.client(at.getPort()).build().newChannel(raw)) {
      tls.handshake();
      // A header announcing 100 bytes of application data, then 10 of them: a record never whole.
      raw.write(ByteBuffer.wrap(new byte[] {23, 3, 3, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
      long t0 = System.nanoTime();
      assertEnded(TlsTimeoutException.Kind.IDLE, t0);
      assertPeerSeesTheEnd(raw);
    }
  }

  @Test
  void aPeerThatNeverAnswersCloseNotifyIsDroppedAtTheCloseTimeout() throws Exception {
    listen(true, Duration.ofSeconds(30));
    SocketChannel raw = SocketChannel.open(at);
    try (TlsChannel tls = f.client(at.getPort()).build().newChannel(raw)) {
      tls.handshake(); // then never read: our close_notify is never answered
      long t0 = System.nanoTime();
      assertEnded(TlsTimeoutException.Kind.CLOSE, t0);
    }
  }

  private void assertEnded(TlsTimeoutException.Kind kind, long t0) throws Exception {
    Ended.End e = ended.next();
    assertEquals(CloseCause.TIMEOUT, e.cause(), String.valueOf(e.error()));
    TlsTimeoutException t = assertInstanceOf(TlsTimeoutException.class, e.error());
    assertEquals(kind, t.kind());
    long took = e.atNanos() - t0;
    assertTrue(
        took < TIMEOUT.toNanos() + MARGIN_NANOS,
        "ended after " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
    LoopStats s = Counters.settle(group);
    assertEquals(0, s.connections(), s.toString());
    assertEquals(0, s.bufferBytesHeld(), s.toString());
    assertEquals(1, s.registeredKeys(), "only the listener: " + s);
    assertEquals(1, s.timeouts(), s.toString());
  }

  /** The server closed the socket: the peer reads EOF (or a reset), not silence. */
  private static void assertPeerSeesTheEnd(SocketChannel peer) throws Exception {
    if (peer.isBlocking() && !peer.isRegistered()) {
      peer.configureBlocking(false);
    }
    ByteBuffer b = ByteBuffer.allocate(4096);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    int n = 0;
    while (n >= 0 && System.nanoTime() < until) {
      b.clear();
      try {
        n = peer.read(b);
      } catch (IOException reset) {
        n = -1;
      }
      if (n == 0) {
        Thread.sleep(10);
      }
    }
    assertEquals(-1, n, "the peer still sees an open connection");
  }

  /** A real ClientHello record from a JDK client engine. */
  private byte[] clientHello() throws Exception {
    SSLContext ctx = f.clientContext;
    SSLEngine e = ctx.createSSLEngine("localhost", at.getPort());
    e.setUseClientMode(true);
    return Hellos.firstFlight(e);
  }
}
