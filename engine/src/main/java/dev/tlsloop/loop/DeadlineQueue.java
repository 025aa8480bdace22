package dev.tlsloop.loop;

import dev.tlsloop.loop.LoopConnection.Phase;
import java.util.PriorityQueue;

/**
 * The loop's timers: when each connection's next deadline (connect, handshake, idle, close) is due.
 * One entry per time a deadline moved earlier; an entry whose time no longer matches its
 * connection's {@code timerAt} is stale and skipped, so a deadline that moves later (an idle clock
 * renewed by traffic) costs no queue operation: the old entry fires early and the loop reschedules.
 * Loop thread only.
 */
final class DeadlineQueue {
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();

  /** One entry: fire at {@code at} (System.nanoTime()) for {@code conn}. */
  private record Timer(long at, LoopConnection conn) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return Long.compare(at, o.at);
    }
  }

  /** Makes sure the queue wakes the loop by {@code c}'s next deadline. */
  void schedule(LoopConnection c) {
    long at = Math.min(c.tls.nextDeadline(), c.connectDeadline);
    if (at < c.timerAt) {
      c.timerAt = at;
      timers.add(new Timer(at, c));
    }
  }

  /** The earliest entry's time, stale or not; {@code Long.MAX_VALUE} when empty. */
  long nextAt() {
    Timer first = timers.peek();
    return first == null ? Long.MAX_VALUE : first.at;
  }

  /**
   * The next connection whose entry is due at {@code now} and still current, or null. It leaves the
   * queue: the caller checks its deadlines and schedules it again if it lives on.
   */
  LoopConnection pollDue(long now) {
    while (!timers.isEmpty() && now - timers.peek().at >= 0) {
      Timer t = timers.poll();
      LoopConnection c = t.conn;
      if (c.phase != Phase.ENDED && t.at == c.timerAt) {
        c.timerAt = Long.MAX_VALUE;
        return c;
      }
    }
    return null;
  }
}
