package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Inbound backpressure by the handler: after pauseReading() nothing more is delivered (or read from
 * the socket) until resumeReading(); bytes a handler leaves in its buffer are offered again, first,
 * and nothing is lost or reordered.
 */
class LoopPauseTest {
  @Test
  void pausedReadingDeliversNothingUntilResumedAndLeftBytesComeFirst() throws Exception {
    LoopFixture f = new LoopFixture();
    CompletableFuture<LoopConnection> paused = new CompletableFuture<>();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    TlsHandler h =
        new TlsHandler() {
          @Override
          public void onData(LoopConnection conn, ByteBuffer data) {
            if (!paused.isDone()) {
              // Take 10 bytes, leave the rest, and pause: the rest must come back first.
              byte[] ten = new byte[Math.min(10, data.remaining())];
              data.get(ten);
              got.writeBytes(ten);
              conn.pauseReading();
              paused.complete(conn);
              return;
            }
            byte[] b = new byte[data.remaining()];
            data.get(b);
            synchronized (got) {
              got.writeBytes(b);
            }
          }
        };
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(f.server().build(), new InetSocketAddress("127.0.0.1", 0), () -> h);
      byte[] data = LoopFixture.payload(200_000);
      try (SSLSocket s = f.sslSocket(at, "TLSv1.3")) {
        OutputStream out = s.getOutputStream();
        out.write(data, 0, 1000);
        out.flush();
        LoopConnection conn = paused.get(20, TimeUnit.SECONDS);
        out.write(data, 1000, data.length - 1000); // fits the socket buffers; nobody reads it
        out.flush();
        Thread.sleep(500);
        long inWhilePaused = g.stats().bytesIn();
        assertTrue(inWhilePaused <= 1000, "delivered while paused: " + inWhilePaused);
        synchronized (got) {
          assertEquals(10, got.size(), "only what the handler took before pausing");
        }
        conn.execute(conn::resumeReading);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (got.size() < data.length && System.nanoTime() < until) {
          Thread.sleep(10);
        }
        synchronized (got) {
          assertArrayEquals(data, got.toByteArray(), "nothing lost, nothing reordered");
        }
      }
    }
  }
}
