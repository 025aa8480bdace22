package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Many concurrent connections through the loop, both ends on loop groups: every byte echoed and
 * verified, every connection closed with close_notify, and the counters back to zero after.
 */
class LoopEchoTest {
  static final int CONNECTIONS = Integer.getInteger("tlsloop.echo.connections", 200);
  static final int BYTES = Integer.getInteger("tlsloop.echo.bytes", 256 * 1024);

  @ParameterizedTest(name = "{0} loop(s), {1}")
  @CsvSource({"1, TLSv1.3", "2, TLSv1.3", "1, TLSv1.2", "2, TLSv1.2"})
  void concurrentConnectionsEachEchoTheirBytesIntact(int loops, String protocol) throws Exception {
    LoopFixture f = new LoopFixture();
    LoopOptions options = LoopOptions.builder().loops(loops).build();
    try (TlsLoopGroup server = TlsLoopGroup.start(options);
        TlsLoopGroup clients = TlsLoopGroup.start(LoopOptions.builder().loops(1).build())) {
      InetSocketAddress at =
          server.listen(
              // Generous: this test is about bytes, and a busy 2-core CI machine is slow.
              f.server(protocol).handshakeTimeout(Duration.ofSeconds(90)).build(),
              new InetSocketAddress("127.0.0.1", 0),
              LoopFixture.Echo::new);
      TlsConfig client =
          f.client(at.getPort(), protocol).handshakeTimeout(Duration.ofSeconds(90)).build();
      long t0 = System.nanoTime();
      HeapPeak peak = HeapPeak.start();
      List<EchoClient> all = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        EchoClient c = new EchoClient(BYTES);
        all.add(c);
        clients.connect(client, at, c);
      }
      for (EchoClient c : all) {
        CloseCause cause = c.done.get(120, TimeUnit.SECONDS);
        assertTrue(
            cause == CloseCause.LOCAL_CLOSE || cause == CloseCause.PEER_CLOSED, cause.toString());
      }
      long wall = System.nanoTime() - t0;
      long peakMiB = peak.stop() >> 20;
      long[] hs = all.stream().mapToLong(c -> c.handshakeNanos).sorted().toArray();
      System.out.printf(
          "loop echo: %d connections x %d KiB, %d loop(s), %s: %d ms wall (%.0f connections/s),"
              + " handshake p50 %d ms p99 %d ms, peak heap used %d MiB (both ends)%n",
          CONNECTIONS,
          BYTES / 1024,
          loops,
          protocol,
          TimeUnit.NANOSECONDS.toMillis(wall),
          CONNECTIONS * 1e9 / wall,
          TimeUnit.NANOSECONDS.toMillis(hs[hs.length / 2]),
          TimeUnit.NANOSECONDS.toMillis(hs[(int) (hs.length * 0.99)]),
          peakMiB);
      LoopStats s = Counters.settle(server);
      assertEquals(0, s.connections(), s.toString());
      assertEquals(0, s.bufferBytesHeld(), s.toString());
      assertEquals(1, s.registeredKeys(), "only the listener stays registered: " + s);
      assertEquals(CONNECTIONS, s.handshakesDone(), s.toString());
      assertEquals(0, s.handshakesFailed(), s.toString());
      assertEquals((long) CONNECTIONS * BYTES, s.bytesIn(), s.toString());
      assertEquals((long) CONNECTIONS * BYTES, s.bytesOut(), s.toString());
      if (loops > 1) {
        List<LoopStats> each = server.loopStats();
        assertTrue(
            each.stream().allMatch(l -> l.handshakesDone() > 0),
            "connections spread over every loop: " + Arrays.toString(each.toArray()));
      }
    }
  }
}
