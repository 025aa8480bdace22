package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;

/**
 * A handler that refills its send queue from {@code onWritable}, as {@link TlsHandler} documents,
 * is served again even when that callback comes from the last send of a turn: nothing else (no
 * socket event, no pending ciphertext) would wake the connection. Found by the scaling benchmark,
 * whose one-connection rows stalled for good now and then; a send queue smaller than the turn's
 * budget makes it happen in the first turns. A stall fails the test by its generous deadline; no
 * timing is asserted.
 */
class LoopRefillTest {
  private static final long TOTAL = 48L << 20;

  @RepeatedTest(3)
  void aQueueRefilledFromOnWritableIsAlwaysServedAgain() throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions one = LoopOptions.builder().loops(1).build();
    // A send queue smaller than the turn's budget: the turn's second send drains it to half
    // without using up the budget, which is where the refill used to be forgotten.
    LoopOptions smallQueue = LoopOptions.builder().loops(1).sendQueueBytes(16 * 1024).build();
    AtomicLong received = new AtomicLong();
    CountDownLatch all = new CountDownLatch(1);
    try (TlsLoopGroup servers = TlsLoopGroup.start(one);
        TlsLoopGroup clients = TlsLoopGroup.start(smallQueue)) {
      InetSocketAddress at =
          servers.listen(
              f.server().build(),
              new InetSocketAddress("127.0.0.1", 0),
              () -> new Sink(received, all));
      clients.connect(f.client(at.getPort()).build(), at, new Pump()).get(10, TimeUnit.SECONDS);
      boolean done = all.await(60, TimeUnit.SECONDS);
      assertTrue(done, "stalled after " + received.get() + " of " + TOTAL + " bytes");
      assertEquals(TOTAL, received.get());
    }
  }

  /** Counts what arrives. */
  private static final class Sink implements TlsHandler {
    private final AtomicLong received;
    private final CountDownLatch all;

    Sink(AtomicLong received, CountDownLatch all) {
      this.received = received;
      this.all = all;
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      if (received.addAndGet(data.remaining()) >= TOTAL) {
        all.countDown();
      }
      data.position(data.limit());
    }
  }

  /** Sends 4 KiB at a time while the queue takes it; refills only from onWritable. */
  private static final class Pump implements TlsHandler {
    private final ByteBuffer chunk = ByteBuffer.allocate(4 * 1024);
    private long sent;

    @Override
    public void onHandshake(LoopConnection conn) {
      fill(conn);
    }

    @Override
    public void onWritable(LoopConnection conn) {
      fill(conn);
    }

    private void fill(LoopConnection conn) {
      while (sent < TOTAL) {
        chunk.clear().limit((int) Math.min(chunk.capacity(), TOTAL - sent));
        if (!conn.send(chunk)) {
          sent += chunk.limit() - chunk.remaining(); // a partial take keeps the rest for later
          return;
        }
        sent += chunk.limit();
      }
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      data.position(data.limit());
    }
  }
}
