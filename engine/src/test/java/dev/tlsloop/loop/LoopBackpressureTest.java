package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Backpressure both ways: a peer that stops reading holds the server to its bounded send queue, and
 * a peer that sends without reading is pushed back by TCP instead of filling our memory.
 */
class LoopBackpressureTest {
  static final int QUEUE = 64 * 1024;

  /**
   * The stated bound (NOTES.md section 10): the send queue, netIn and netOut of two packets each,
   * appIn of one application buffer, and one kept read.
   */
  static final long BOUND = QUEUE + 4 * 16709 + 16704 + 17 * 1024;

  @Test
  void aPeerThatStopsReadingStopsTheSenderWithinTheBoundAndTheStreamResumesIntact()
      throws Exception {
    LoopFixture f = new LoopFixture();
    long total = 8L << 20;
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger writable = new AtomicInteger();
    LoopOptions options = LoopOptions.builder().loops(1).sendQueueBytes(QUEUE).build();
    try (TlsLoopGroup g = TlsLoopGroup.start(options)) {
      InetSocketAddress at =
          g.listen(
              f.server().build(),
              new InetSocketAddress("127.0.0.1", 0),
              () -> new Firehose(total, refused, writable));
      try (TlsChannel tls = f.client(at.getPort()).build().newChannel(SocketChannel.open(at))) {
        ByteBuffer first = ByteBuffer.allocate(1024);
        readFully(tls, first);
        Thread.sleep(1500); // stop reading: socket buffers fill, then the send queue
        LoopStats s = g.stats();
        assertTrue(s.bufferBytesHeld() <= BOUND, "held " + s.bufferBytesHeld() + " > " + BOUND);
        assertTrue(refused.get() > 0, "the handler was told the queue is full");
        long got = 1024;
        verify(first.flip(), 0);
        ByteBuffer b = ByteBuffer.allocate(32 * 1024);
        int n;
        while ((n = tls.read(b.clear())) >= 0) {
          verify(b.flip(), got);
          got += n;
        }
        assertEquals(total, got);
        assertTrue(writable.get() > 0, "onWritable followed every full queue");
      }
    }
  }

  @Test
  void aPeerThatSendsButNeverReadsIsPushedBackByTcpWhileServerMemoryStaysBounded()
      throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options = LoopOptions.builder().loops(1).sendQueueBytes(QUEUE).build();
    try (TlsLoopGroup g = TlsLoopGroup.start(options)) {
      InetSocketAddress at =
          g.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      try (TlsChannel tls = f.client(at.getPort()).build().newChannel(SocketChannel.open(at))) {
        tls.setTimeout(Duration.ofSeconds(2));
        ByteBuffer chunk = ByteBuffer.wrap(LoopFixture.payload(64 * 1024));
        long sent = 0;
        // Writing 1 GiB must stall long before: the echo is never read.
        Exception stalled =
            assertThrows(
                SocketTimeoutException.class,
                () -> {
                  for (int i = 0; i < 16 * 1024; i++) {
                    tls.write(chunk.clear());
                  }
                });
        LoopStats s = g.stats();
        assertTrue(s.bufferBytesHeld() <= BOUND, "held " + s.bufferBytesHeld() + ", " + stalled);
        assertTrue(s.bytesIn() < 256L << 20, "read " + s.bytesIn() + " without being read back");
        assertEquals(1, s.connections());
        sent = s.bytesIn();
        assertTrue(sent > 0);
      }
    }
  }

  private static void readFully(TlsChannel tls, ByteBuffer b) throws Exception {
    while (b.hasRemaining()) {
      if (tls.read(b) < 0) {
        throw new AssertionError("EOF");
      }
    }
  }

  private static void verify(ByteBuffer b, long offset) {
    for (int i = 0; b.hasRemaining(); i++) {
      byte got = b.get();
      if (got != LoopFixture.payloadAt(offset + i)) {
        throw new AssertionError("wrong byte at offset " + (offset + i));
      }
    }
  }

  /** Sends {@code total} payload bytes as fast as the queue allows, then closes. */
  static final class Firehose implements TlsHandler {
    private final long total;
    private final AtomicInteger refused;
    private final AtomicInteger writable;
    private final ByteBuffer chunk = ByteBuffer.allocate(8 * 1024).limit(0);
    private long sent;

    Firehose(long total, AtomicInteger refused, AtomicInteger writable) {
      this.total = total;
      this.refused = refused;
      this.writable = writable;
    }

    @Override
    public void onHandshake(LoopConnection conn) {
      pump(conn);
    }

    @Override
    public void onWritable(LoopConnection conn) {
      writable.incrementAndGet();
      pump(conn);
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      data.position(data.limit());
    }

    private void pump(LoopConnection conn) {
      while (sent < total || chunk.hasRemaining()) {
        if (!chunk.hasRemaining()) {
          int n = (int) Math.min(chunk.capacity(), total - sent);
          chunk.clear();
          for (int i = 0; i < n; i++) {
            chunk.put(LoopFixture.payloadAt(sent + i));
          }
          chunk.flip();
          sent += n;
        }
        if (!conn.send(chunk)) {
          refused.incrementAndGet();
          return;
        }
      }
      conn.close();
    }
  }
}
