package dev.tlsloop.loop;

/** Samples the used heap every 20 ms on a daemon thread and keeps the largest value. */
final class HeapPeak {
  private final Thread sampler;
  private volatile boolean running = true;
  private volatile long peak;

  private HeapPeak() {
    sampler =
        new Thread(
            () -> {
              Runtime r = Runtime.getRuntime();
              while (running) {
                peak = Math.max(peak, r.totalMemory() - r.freeMemory());
                try {
                  Thread.sleep(20);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "heap-peak");
    sampler.setDaemon(true);
  }

  static HeapPeak start() {
    HeapPeak p = new HeapPeak();
    p.sampler.start();
    return p;
  }

  /** Stops sampling; returns the peak in bytes. */
  long stop() throws InterruptedException {
    running = false;
    sampler.join();
    return peak;
  }
}
