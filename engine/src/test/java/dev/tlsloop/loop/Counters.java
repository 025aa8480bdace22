package dev.tlsloop.loop;

/** Waits for a group's counters to settle (a closing connection ends a moment after its peer). */
final class Counters {
  private Counters() {}

  /** The stats once no connection is left, or the last ones seen after 10 s. */
  static LoopStats settle(TlsLoopGroup g) throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    LoopStats s = g.stats();
    while ((s.connections() > 0 || s.bufferBytesHeld() > 0) && System.nanoTime() < until) {
      Thread.sleep(20);
      s = g.stats();
    }
    return s;
  }

  /** The stats once no connection holds a buffer (idle ones give theirs back after a turn). */
  static LoopStats settleBuffers(TlsLoopGroup g) throws InterruptedException {
    long until = System.nanoTime() + 10_000_000_000L;
    LoopStats s = g.stats();
    while (s.bufferBytesHeld() > 0 && System.nanoTime() < until) {
      Thread.sleep(20);
      s = g.stats();
    }
    return s;
  }
}
