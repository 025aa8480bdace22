package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.loop.LoopOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's loop options reach the loops and each connection's config, and each does what it
 * says to a real peer.
 */
@Timeout(60)
class ServerOptionsTest {
  @TempDir Path dir;

  @Test
  void everyOptionReachesTheLoopsOrTheConnectionConfig() throws Exception {
    try (DemoServers s =
        DemoServers.start(
            dir,
            "--loops",
            "3",
            "--max-conns",
            "7",
            "--backlog",
            "50",
            "--idle-timeout",
            "9",
            "--handshake-timeout",
            "4",
            "--renegotiation",
            "2")) {
      LoopOptions o = s.server.loopOptions();
      assertEquals(3, o.loops());
      assertEquals(3, o.maxConnections(), "7 over 3 loops, rounded up");
      assertEquals(50, o.backlog());
      assertEquals(Duration.ofSeconds(9), s.server.config().idleTimeout());
      assertEquals(Duration.ofSeconds(4), s.server.config().handshakeTimeout());
      assertEquals(2, s.server.config().renegotiation().limit());
      assertEquals(3, s.server.loopCount(), "three loops run");
    }
  }

  @Test
  void theDefaultsAreTheOnesTheHelpStates() throws Exception {
    try (DemoServers s = DemoServers.start(dir)) {
      LoopOptions o = s.server.loopOptions();
      assertEquals(LoopOptions.DEFAULT_LOOPS, o.loops());
      assertEquals((10_000 + o.loops() - 1) / o.loops(), o.maxConnections());
      assertEquals(1024, o.backlog());
      assertEquals(Duration.ofMinutes(5), s.server.config().idleTimeout());
      assertEquals(Duration.ofSeconds(10), s.server.config().handshakeTimeout());
      assertEquals(0, s.server.config().renegotiation().limit(), "refuse");
    }
    String help = Cli.usage(new DemoServer.Options());
    for (String stated :
        List.of(
            "--max-conns N",
            "(default 10000)",
            "--idle-timeout SECONDS",
            "(default 300;",
            "--handshake-timeout SECONDS",
            "--loops N",
            "(default: one per CPU, " + LoopOptions.DEFAULT_LOOPS + " here)",
            "--backlog N",
            "(default 1024)")) {
      assertTrue(help.replaceAll("\\s+", " ").contains(stated), stated + " in:\n" + help);
    }
  }

  @Test
  void handshakeTimeoutDropsASilentPeer() throws Exception {
    try (DemoServers s = DemoServers.start(dir, "--handshake-timeout", "1", "--loops", "1");
        Socket silent = new Socket("127.0.0.1", s.port())) {
      silent.setSoTimeout(20_000); // far beyond 1 s: a read that returns at all shows the drop
      assertEnded(silent.getInputStream());
      awaitEquals(0, () -> s.server.connectionCount());
      assertEquals(1, s.server.stats().timeouts());
      assertTrue(s.err().contains("failed: timed out waiting for"), s.err());
      assertTrue(s.err().contains("handshake timed out"), s.err());
    }
  }

  @Test
  void idleTimeoutClosesAQuietClientAfterItsHandshake() throws Exception {
    try (DemoServers s = DemoServers.start(dir, "--idle-timeout", "1", "--loops", "1");
        TlsChannel c = connect(s)) {
      c.write(ByteBuffer.wrap(new byte[] {1}));
      ByteBuffer echo = ByteBuffer.allocate(1);
      c.read(echo);
      assertEquals(1, echo.get(0));
      // Then nothing: the server ends the connection (a read that returns at all shows it).
      try {
        c.read(ByteBuffer.allocate(16));
      } catch (IOException expected) {
        // the server aborted without close_notify: the idle deadline is a failure, not a close
      }
      awaitEquals(0, () -> s.server.connectionCount());
      assertEquals(1, s.server.stats().timeouts());
      assertTrue(s.err().contains("idle timeout"), s.err());
    }
  }

  /**
   * Five idle sockets fill a one-loop server capped at five; the healthy client evicts the one that
   * has been handshaking longest and gets its echo.
   */
  @Test
  void maxConnsEvictsHandshakingIdlersForAHealthyClient() throws Exception {
    List<SocketChannel> idle = new ArrayList<>();
    try (DemoServers s = DemoServers.start(dir, "--max-conns", "5", "--loops", "1")) {
      for (int i = 0; i < 5; i++) {
        idle.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", s.port())));
      }
      awaitEquals(5, () -> s.server.connectionCount());
      try (TlsChannel c = connect(s)) {
        c.write(ByteBuffer.wrap("still served".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        ByteBuffer echo = ByteBuffer.allocate(12);
        while (echo.hasRemaining() && c.read(echo) >= 0) {
          // until the whole echo is in
        }
        assertEquals("still served", new String(echo.array(), 0, echo.position(), "UTF-8"));
      }
      assertTrue(s.server.stats().evictions() >= 1, s.server.stats().toString());
      assertTrue(s.server.connectionCount() <= 5, s.server.stats().toString());
    } finally {
      for (SocketChannel ch : idle) {
        ch.close();
      }
    }
  }

  private static TlsChannel connect(DemoServers s) throws Exception {
    TlsConfig config = TlsConfig.client("localhost", s.port()).trust(s.server.trustStore()).build();
    TlsChannel c =
        config.newChannel(SocketChannel.open(new InetSocketAddress("localhost", s.port())));
    c.setTimeout(Duration.ofSeconds(20));
    c.handshake();
    return c;
  }

  /** Reads until EOF or reset: the server closed the connection. */
  private static void assertEnded(InputStream in) throws IOException {
    try {
      while (in.read() >= 0) {
        // a server that closes sends nothing before it
      }
    } catch (SocketException reset) {
      // also an end
    }
  }

  private interface IntCheck {
    int get() throws Exception;
  }

  /** Polls (the loop thread updates its counters after it closed the socket). */
  private static void awaitEquals(int expected, IntCheck actual) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    int last;
    while ((last = actual.get()) != expected) {
      if (System.nanoTime() > deadline) {
        assertEquals(expected, last, "not reached within 20 s");
      }
      Thread.sleep(20);
    }
  }
}
