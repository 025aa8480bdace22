package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TlsChannel}'s reads wait in the selector before reading when the last read drained the
 * socket ({@link ReadGate}): fewer syscalls in request-response, and still every byte, the end of
 * the stream and truncation when bytes come in odd pieces at odd times.
 */
class TlsChannelReadGateTest {
  private static TestPki pki;
  private static TlsConfig server;
  private static TlsConfig client;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    server = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
    client = TlsConfig.client("localhost", 443).trust(pki.trustStore()).build();
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  @Test
  void pingPongWaitsBeforeReadingInsteadOfReadingNothing() throws Exception {
    int rounds = 300;
    try (Loopback lo = Loopback.open();
        TlsChannel c = client.newChannel(lo.client);
        TlsChannel s = server.newChannel(lo.server)) {
      c.setTimeout(Duration.ofSeconds(20));
      s.setTimeout(Duration.ofSeconds(20));
      Future<?> echo = threads.submit(() -> echo(s, rounds));
      c.handshake();
      Random random = new Random(7);
      for (int i = 0; i < rounds; i++) {
        byte[] ping = new byte[64];
        random.nextBytes(ping);
        c.write(ByteBuffer.wrap(ping));
        assertArrayEquals(ping, readExactly(c, 64), "round " + i);
      }
      echo.get(20, TimeUnit.SECONDS);
      // Each round trip's read found the socket drained by the one before: it waited first.
      // Without the gate every one of them pays a read that returns nothing (emptyReads).
      ReadGate gate = c.readGate();
      assertTrue(gate.skipped() >= rounds - 30, "skipped " + gate.skipped());
      assertTrue(gate.emptyReads() <= 30, "empty reads " + gate.emptyReads());
    }
  }

  @Test
  void bytesTrickledInOddPiecesAllArriveAndThenTheEnd() throws Exception {
    byte[] payload = new byte[40_000];
    new Random(11).nextBytes(payload);
    try (ServerSocketChannel listener = listen();
        Trickle relay = new Trickle(listener, false)) {
      TlsChannel c = client.newChannel(SocketChannel.open(relay.address()));
      c.setTimeout(Duration.ofSeconds(20));
      Future<?> sent = threads.submit(() -> serve(listener, payload, true));
      c.handshake();
      byte[] got = readToEnd(c, payload.length);
      sent.get(20, TimeUnit.SECONDS);
      assertArrayEquals(payload, got);
      assertTrue(c.readGate().skipped() > 0, "the gate was never used");
      c.close();
    }
  }

  @Test
  void aTruncationRightAfterADrainedReadIsReportedNotWaitedFor() throws Exception {
    byte[] payload = new byte[5_000];
    new Random(13).nextBytes(payload);
    try (ServerSocketChannel listener = listen();
        Trickle relay = new Trickle(listener, true)) {
      TlsChannel c = client.newChannel(SocketChannel.open(relay.address()));
      c.setTimeout(Duration.ofSeconds(20)); // a hang would end as SocketTimeoutException
      Future<?> sent = threads.submit(() -> serve(listener, payload, false));
      c.handshake();
      byte[] got = new byte[payload.length];
      ByteBuffer dst = ByteBuffer.wrap(got);
      while (dst.hasRemaining()) {
        c.read(dst);
      }
      sent.get(20, TimeUnit.SECONDS);
      assertArrayEquals(payload, got);
      // The relay ends the stream without the server's close_notify.
      assertThrows(TlsTruncationException.class, () -> c.read(ByteBuffer.allocate(100)));
      c.close();
    }
  }

  // ------------------------------------------------------------------------------------------

  private static ServerSocketChannel listen() throws IOException {
    return ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
  }

  private static Void echo(TlsChannel s, int rounds) throws IOException {
    for (int i = 0; i < rounds; i++) {
      s.write(ByteBuffer.wrap(readExactly(s, 64)));
    }
    return null;
  }

  /** Accepts the relay's connection, sends {@code payload} in 1 KiB writes, then closes. */
  private static Void serve(ServerSocketChannel listener, byte[] payload, boolean closeNotify)
      throws IOException {
    try (SocketChannel sc = listener.accept()) {
      TlsChannel s = server.newChannel(sc);
      s.setTimeout(Duration.ofSeconds(20));
      s.handshake();
      for (int off = 0; off < payload.length; off += 1024) {
        s.write(ByteBuffer.wrap(payload, off, Math.min(1024, payload.length - off)));
      }
      if (closeNotify) {
        s.close();
      }
    }
    return null;
  }

  private static byte[] readExactly(TlsChannel ch, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("end of stream after " + b.position() + " bytes");
      }
    }
    return b.array();
  }

  private static byte[] readToEnd(TlsChannel ch, int expected) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(expected + 1);
    while (ch.read(b) >= 0) {
      assertTrue(b.hasRemaining(), "more bytes than were sent");
    }
    assertEquals(expected, b.position());
    return java.util.Arrays.copyOf(b.array(), expected);
  }

  /**
   * A relay between the client and {@code upstream}: up in bulk; down in random pieces of 1 to 300
   * bytes with a pause every few pieces, so that records arrive split at every offset, header
   * included, and the client's reads keep draining the socket. {@code cut}: ends the down stream by
   * closing its socket once the server's socket ends, as if its close_notify were lost.
   */
  private static final class Trickle implements AutoCloseable {
    private final ServerSocket front = new ServerSocket(0, 1, null);
    private final ServerSocketChannel upstream;
    private final boolean cut;
    private volatile Socket down;

    Trickle(ServerSocketChannel upstream, boolean cut) throws IOException {
      this.upstream = upstream;
      this.cut = cut;
      threads.submit(this::run);
    }

    InetSocketAddress address() {
      return new InetSocketAddress("127.0.0.1", front.getLocalPort());
    }

    private Void run() throws IOException {
      Socket c = front.accept();
      Socket s =
          new Socket("127.0.0.1", ((InetSocketAddress) upstream.getLocalAddress()).getPort());
      c.setTcpNoDelay(true);
      s.setTcpNoDelay(true);
      down = c;
      threads.submit(() -> pump(c.getInputStream(), s.getOutputStream(), null));
      pump(s.getInputStream(), c.getOutputStream(), new Random(17));
      if (cut) {
        c.close();
      } else {
        c.shutdownOutput();
      }
      return null;
    }

    private static Void pump(InputStream in, OutputStream out, Random pieces) throws IOException {
      byte[] buf = new byte[pieces == null ? 16384 : 300];
      int n;
      int count = 0;
      while ((n = in.read(buf, 0, pieces == null ? buf.length : 1 + pieces.nextInt(300))) > 0) {
        out.write(buf, 0, n);
        out.flush();
        if (pieces != null && ++count % 7 == 0) {
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
          }
        }
      }
      return null;
    }

    @Override
    public void close() throws IOException {
      front.close();
      Socket d = down;
      if (d != null) {
        d.close();
      }
    }
  }
}
