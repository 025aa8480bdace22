package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Many sequential connections ending every way (clean close, truncation, garbage, abandoned
 * handshake) leave nothing behind: open connections, registered keys and held buffers return to
 * their baseline. 1,000 in CI (most resumed, to keep it quick); -Dtlsloop.leak.connections=10000
 * for the long run.
 */
class LoopLeakTest {
  static final int CONNECTIONS = Integer.getInteger("tlsloop.leak.connections", 1000);

  @Test
  void connectionsEndingEveryWayLeaveTheCountersAtTheirBaseline() throws Exception {
    LoopFixture f = new LoopFixture();
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(
              f.server().handshakeTimeout(Duration.ofSeconds(30)).build(),
              new InetSocketAddress("127.0.0.1", 0),
              LoopFixture.Echo::new);
      LoopStats baseline = Counters.settle(g);
      TlsConfig client = f.client(at.getPort()).build(); // one config: sessions resume
      int clean = 0;
      for (int i = 0; i < CONNECTIONS; i++) {
        switch (i % 10) {
          case 0 -> truncate(client, at);
          case 1 -> garbage(at);
          case 2 -> abandon(at);
          default -> {
            echoAndClose(client, at);
            clean++;
          }
        }
      }
      LoopStats s = Counters.settle(g);
      assertEquals(baseline.connections(), s.connections(), s.toString());
      assertEquals(baseline.registeredKeys(), s.registeredKeys(), s.toString());
      assertEquals(baseline.bufferBytesHeld(), s.bufferBytesHeld(), s.toString());
      assertEquals(0, s.handshaking(), s.toString());
      assertTrue(s.handshakesDone() >= clean, s.toString());
      assertEquals(
          CONNECTIONS, s.handshakesDone() + s.handshakesFailed(), "every connection ended: " + s);
      System.out.println("leak check: " + CONNECTIONS + " sequential connections, then " + s);
    }
  }

  private static void echoAndClose(TlsConfig client, InetSocketAddress at) throws IOException {
    try (TlsChannel tls = client.newChannel(SocketChannel.open(at))) {
      tls.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      ByteBuffer b = ByteBuffer.allocate(3);
      while (b.hasRemaining()) {
        tls.read(b);
      }
    }
  }

  /** Data, then the socket closes without close_notify. */
  private static void truncate(TlsConfig client, InetSocketAddress at) throws IOException {
    SocketChannel raw = SocketChannel.open(at);
    TlsChannel tls = client.newChannel(raw);
    tls.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
    raw.close();
  }

  /** Not TLS at all. */
  private static void garbage(InetSocketAddress at) throws IOException {
    try (SocketChannel raw = SocketChannel.open(at)) {
      raw.write(ByteBuffer.wrap("GET / HTTP/1.0\r\n\r\n".getBytes()));
      ByteBuffer b = ByteBuffer.allocate(256);
      while (raw.read(b.clear()) >= 0) {
        // until the server hangs up
      }
    } catch (IOException reset) {
      // also fine: the server closed
    }
  }

  /** Connect and leave before saying anything. */
  private static void abandon(InetSocketAddress at) throws IOException {
    SocketChannel.open(at).close();
  }
}
