package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --http} on the loop with a client that pipelines far more requests than fit in the send
 * queue and reads nothing at first: the server holds a bounded amount, then answers every request,
 * in order, once the client reads.
 */
@Timeout(60)
class HttpBackpressureTest {
  /**
   * About 20 MB of responses: far more than the socket buffers hold (0.6 MB by default here, but
   * Linux grows loopback buffers up to tcp_wmem max, 4 MB, under bulk writes).
   */
  private static final int REQUESTS = 50_000;

  @TempDir Path dir;

  @Test
  void aClientThatDoesNotReadIsPushedBackAndEveryRequestIsAnsweredInOrder() throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try (DemoServers server = DemoServers.start(dir, "--http", "--loops", "1");
        TlsChannel c = connect(server)) {
      byte[] one = "GET /p HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      ByteBuffer all = ByteBuffer.allocate(one.length * REQUESTS);
      for (int i = 0; i < REQUESTS; i++) {
        all.put(one);
      }
      all.flip();
      Future<?> written =
          writer.submit(
              () -> {
                c.write(all);
                return null;
              });
      // Nothing read yet: whatever the client managed to write, the server holds about one send
      // queue of responses plus the kept requests, not megabytes.
      Thread.sleep(1000);
      long held = server.server.stats().bufferBytesHeld();
      assertTrue(held < 1024 * 1024, "bytes held while the client does not read: " + held);
      long taken = server.server.stats().bytesIn();
      assertTrue(taken < all.limit(), "the server stopped reading requests: " + taken);

      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      StringBuilder tail = new StringBuilder();
      int answered = 0;
      int expected = 1;
      while (answered < REQUESTS) {
        in.clear();
        int n = c.read(in);
        assertTrue(n > 0, "EOF after " + answered + " responses");
        tail.append(new String(in.array(), 0, n, StandardCharsets.UTF_8));
        int end;
        while ((end = tail.indexOf("</html>\n")) >= 0) {
          String response = tail.substring(0, end);
          assertTrue(
              response.contains("<li>request " + expected + " on this connection</li>"),
              "response " + expected + " in order");
          expected++;
          answered++;
          tail.delete(0, end + "</html>\n".length());
        }
      }
      written.get(20, TimeUnit.SECONDS);
      assertEquals(REQUESTS, answered);
      assertEquals(0, server.server.stats().handlerErrors());
    } finally {
      writer.shutdownNow();
    }
  }

  private static TlsChannel connect(DemoServers s) throws Exception {
    TlsConfig config = TlsConfig.client("localhost", s.port()).trust(s.server.trustStore()).build();
    TlsChannel c =
        config.newChannel(SocketChannel.open(new InetSocketAddress("localhost", s.port())));
    c.setTimeout(Duration.ofSeconds(30));
    c.handshake();
    return c;
  }
}
