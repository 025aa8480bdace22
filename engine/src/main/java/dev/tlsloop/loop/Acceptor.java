package dev.tlsloop.loop;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The listening sockets one loop accepts on: it accepts a bounded number per turn, hands each new
 * socket to the group's loops round robin, and after a failed accept rests the listener briefly and
 * logs at most once a second. Loop thread only.
 */
final class Acceptor {
  private static final System.Logger LOG = System.getLogger("dev.tlsloop.loop");

  /** Accept calls per turn per listener: a connection flood cannot monopolise a turn. */
  private static final int ACCEPTS_PER_TURN = 64;

  /** After a failed accept (EMFILE ...) the listener rests this long instead of spinning. */
  private static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final TlsLoop loop;
  private final TlsLoopGroup group;
  private final Selector selector;
  private final List<Listener> listeners = new ArrayList<>();
  private long lastErrorLog;
  private long errorsUnlogged;
  private long errors;

  Acceptor(TlsLoop loop, TlsLoopGroup group, Selector selector) {
    this.loop = loop;
    this.group = group;
    this.selector = selector;
  }

  /** Starts accepting on {@code l}; if it cannot be registered, it is closed. */
  void register(Listener l) {
    try {
      l.key = l.server.register(selector, SelectionKey.OP_ACCEPT, l);
      listeners.add(l);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.ERROR, loop + ": cannot listen on " + l.address, e);
      l.close();
    }
  }

  /** Accepts what {@code l} has pending, up to the per-turn limit, each to the next loop. */
  void accept(Listener l) {
    for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
      SocketChannel ch;
      try {
        ch = l.server.accept();
      } catch (IOException e) {
        failed(l, e);
        return;
      }
      if (ch == null) {
        return;
      }
      TlsLoop target = group.nextLoop();
      if (target == loop) {
        loop.adopt(ch, l.config, l.handlers);
      } else {
        target.execute(() -> target.adopt(ch, l.config, l.handlers));
      }
    }
  }

  /**
   * accept() failed (EMFILE, ENFILE, ECONNABORTED ...): the loop goes on serving. The listener
   * rests briefly, since a socket still pending would make accept fail again at once (a spin), and
   * the error is logged at most once a second.
   */
  private void failed(Listener l, IOException e) {
    errors++;
    long now = System.nanoTime();
    l.pausedUntil = now + ACCEPT_PAUSE_NANOS;
    l.key.interestOps(0);
    if (now - lastErrorLog < LOG_INTERVAL_NANOS && lastErrorLog != 0) {
      errorsUnlogged++;
      return;
    }
    long more = errorsUnlogged;
    LOG.log(
        System.Logger.Level.WARNING,
        loop
            + ": accept failed on "
            + l.address
            + ": "
            + e
            + (more > 0 ? " (" + more + " more since the last report)" : ""));
    lastErrorLog = now;
    errorsUnlogged = 0;
  }

  /** When the first resting listener accepts again; {@code Long.MAX_VALUE} if none rests. */
  long nextWake() {
    long next = Long.MAX_VALUE;
    for (Listener l : listeners) {
      next = Math.min(next, l.pausedUntil);
    }
    return next;
  }

  /** Listeners whose rest is over at {@code now} accept again. */
  void wakeRested(long now) {
    for (Listener l : listeners) {
      if (l.pausedUntil != Long.MAX_VALUE && now - l.pausedUntil >= 0) {
        l.pausedUntil = Long.MAX_VALUE;
        l.key.interestOps(SelectionKey.OP_ACCEPT);
      }
    }
  }

  /** Closes every listening socket: no new connections. */
  void closeAll() {
    listeners.forEach(Listener::close);
    listeners.clear();
  }

  /** Failed accept() calls so far. */
  long errors() {
    return errors;
  }
}
