package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * Two clients echoing at full speed cannot starve a third doing 64-byte ping-pong: no connection is
 * served more than its budget in one turn, and the ping-pong goes on. Its p99 alone and beside the
 * flood is printed (figures, not asserts: timing belongs to benchmarks).
 */
class LoopFairnessTest {
  static final int BUDGET = 16 * 1024;
  static final int ROUNDS = Integer.getInteger("tlsloop.fairness.rounds", 2000);

  @Test
  void floodingClientsAreHeldToTheirBudgetWhileAPingPongClientIsServed() throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options = LoopOptions.builder().loops(1).budgetBytes(BUDGET).build();
    try (TlsLoopGroup server = TlsLoopGroup.start(options)) {
      InetSocketAddress at =
          server.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      long alone;
      long flooded;
      try (SSLSocket ping = f.sslSocket(at, "TLSv1.3")) {
        alone = p99(ping, ROUNDS);
        try (TlsLoopGroup flooders = TlsLoopGroup.start(LoopOptions.builder().loops(1).build())) {
          EchoClient a = new EchoClient(1L << 40); // never finishes: floods until closed
          EchoClient b = new EchoClient(1L << 40);
          flooders.connect(f.client(at.getPort()).build(), at, a);
          flooders.connect(f.client(at.getPort()).build(), at, b);
          while (server.stats().bytesIn() < 4L << 20) {
            Thread.sleep(10); // both floods running
          }
          flooded = p99(ping, ROUNDS);
          LoopStats s = server.stats();
          assertTrue(s.maxServedInOneTurn() <= BUDGET, s.toString());
          assertTrue(s.budgetExhausted() > 0, "the floods did hit the budget: " + s);
          assertTrue(s.bytesIn() > 8L << 20, "the floods kept going: " + s);
        }
      }
      System.out.printf(
          "fairness: 64-byte ping-pong p99 alone %d us, beside two full-speed echo floods %d us"
              + " (%.1fx)%n",
          TimeUnit.NANOSECONDS.toMicros(alone),
          TimeUnit.NANOSECONDS.toMicros(flooded),
          (double) flooded / alone);
    }
  }

  /** Round trips of 64 bytes; returns the 99th percentile in nanoseconds. */
  private static long p99(SSLSocket s, int rounds) throws Exception {
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    byte[] ping = LoopFixture.payload(64);
    long[] t = new long[rounds];
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      out.write(ping);
      out.flush();
      byte[] pong = in.readNBytes(64);
      t[i] = System.nanoTime() - t0;
      assertArrayEquals(ping, pong);
    }
    Arrays.sort(t);
    return t[(int) (rounds * 0.99)];
  }
}
