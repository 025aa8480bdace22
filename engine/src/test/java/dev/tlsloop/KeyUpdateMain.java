package dev.tlsloop;

import dev.tlsloop.testkit.TestPki;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngineResult;

/**
 * Run by {@link KeyUpdateTest} in a JVM whose {@code jdk.tls.keyLimits} is tiny, so that the JDK
 * engine starts a TLS 1.3 KeyUpdate every few records (RFC 8446 section 4.6.3). Transfers a payload
 * both ways at once and prints what it counted; exits non-zero on any loss.
 */
public final class KeyUpdateMain {
  private KeyUpdateMain() {}

  /** Counts KeyUpdates sent (post-handshake wraps that consume nothing) and answered. */
  static final class Counter implements TlsListener {
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger peerAskedReply = new AtomicInteger();

    @Override
    public void onWrap(TlsConnection c, String why, SSLEngineResult r) {
      if (c.state() != TlsState.HANDSHAKING
          && r.getStatus() == SSLEngineResult.Status.OK
          && r.bytesConsumed() == 0
          && r.bytesProduced() > 0) {
        sent.incrementAndGet();
      }
    }

    @Override
    public void onUnwrap(TlsConnection c, String why, SSLEngineResult r) {
      if (c.state() == TlsState.OPEN
          && r.bytesProduced() == 0
          && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
        peerAskedReply.incrementAndGet();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args.length > 0 ? args[0] : "8388608");
    TestPki pki = TestPki.create();
    Counter counter = new Counter();
    TlsConfig client =
        TlsConfig.client("localhost", 1)
            .trust(pki.trustStore())
            .protocols("TLSv1.3")
            .listener(counter)
            .build();
    TlsConfig server =
        TlsConfig.server(pki.serverContext(pki.issue("localhost")))
            .protocols("TLSv1.3")
            .listener(counter)
            .build();
    ExecutorService threads = Executors.newCachedThreadPool();
    try (Loopback lo = Loopback.open()) {
      TlsChannel c = client.newChannel(lo.client);
      TlsChannel s = server.newChannel(lo.server);
      c.setTimeout(Duration.ofSeconds(60));
      s.setTimeout(Duration.ofSeconds(60));
      Payload up = new Payload(11, size);
      Payload down = new Payload(12, size);
      Future<?> a = threads.submit(() -> pump(c, up, threads));
      Future<?> b = threads.submit(() -> pump(s, down, threads));
      Future<Long> serverDrain = threads.submit(() -> drain(s, up));
      long gotDown = drain(c, down);
      long gotUp = serverDrain.get(120, TimeUnit.SECONDS);
      a.get(120, TimeUnit.SECONDS);
      b.get(120, TimeUnit.SECONDS);
      c.close();
      s.close();
      System.out.println(
          "received up="
              + gotUp
              + " down="
              + gotDown
              + " keyUpdatesSent="
              + counter.sent.get()
              + " repliesRequested="
              + counter.peerAskedReply.get());
    } finally {
      threads.shutdownNow();
    }
  }

  private static Void pump(TlsChannel ch, Payload p, ExecutorService unused) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(16384);
    long off = 0;
    while (off < p.length()) {
      buf.clear();
      off += p.fill(buf, off);
      buf.flip();
      ch.write(buf);
    }
    return null;
  }

  private static long drain(TlsChannel ch, Payload p) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(10000);
    long got = 0;
    while (got < p.length()) {
      buf.clear();
      int n = ch.read(buf);
      if (n < 0) {
        throw new AssertionError("EOF after " + got);
      }
      buf.flip();
      p.verify(buf, got);
      got += n;
    }
    return got;
  }
}
