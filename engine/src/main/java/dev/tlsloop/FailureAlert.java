package dev.tlsloop;

import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;

/**
 * The last words of a failing connection: the fatal alert the engine queued when it threw, wrapped
 * behind whatever ciphertext netOut still holds, and written to the transport before it closes.
 *
 * <p><b>Why netOut may be busy.</b> When several records arrive in one read, the engine answers the
 * first (a ClientHello: the whole server flight goes into netOut, not yet written) and throws on a
 * later one (a second ChangeCipherSpec) within the same call. A wrap needs a whole packet of free
 * room after the pending bytes, else it returns BUFFER_OVERFLOW and produces nothing: with the
 * flight still there, the alert was never wrapped, and the peer got the flight, then EOF (issue 9).
 * Here netOut grows when compacting cannot make that room, and the alert goes out behind the
 * flight, in order: in TLS 1.3 it is encrypted with the keys that flight announced.
 *
 * <p><b>Bounded.</b> Writes go on while the transport takes bytes. A non-blocking transport that
 * takes none (the peer does not read) ends the attempt at once: nothing spins, and what is left is
 * {@link #unsent()}. On a blocking transport a write blocks like any other; bounding that is the
 * job of a close deadline.
 *
 * <p>A connection that failed outside the engine (a listener, an executor refusing a task, the
 * transport) has no alert queued: then only what netOut already holds is written.
 */
final class FailureAlert {
  /** A bound on wraps per failure; the JDK queues one alert record. */
  static final int MAX_WRAPS = 8;

  private static final ByteBuffer[] NO_DATA = {ByteBuffer.allocate(0)};

  /** One transport write of netOut's pending bytes; returns how many it took. */
  interface Transport {
    int writeOnce() throws IOException;
  }

  /** Sees each wrap made here (the connection's listener). */
  interface WrapWatcher {
    void wrapped(SSLEngineResult result);
  }

  private final SSLEngine engine;
  private final RoleBuffer netOut;
  private final int packetSize;

  private FailureAlert(SSLEngine engine, RoleBuffer netOut, int packetSize) {
    this.engine = engine;
    this.netOut = netOut;
    this.packetSize = packetSize;
  }

  /**
   * Wraps what the engine queued (as long as it says NEED_WRAP) behind netOut's pending bytes and
   * writes netOut while the transport takes bytes. Never throws: the failure being handled is what
   * the caller reports.
   */
  static FailureAlert send(
      SSLEngine engine,
      RoleBuffer netOut,
      int packetSize,
      WrapWatcher watcher,
      Transport transport) {
    FailureAlert a = new FailureAlert(engine, netOut, packetSize);
    try {
      a.wrapQueued(watcher);
    } catch (IOException | RuntimeException ignored) {
      // An engine that cannot wrap its own alert: write what is already there.
    }
    a.write(transport);
    return a;
  }

  private void wrapQueued(WrapWatcher watcher) throws IOException {
    for (int wraps = 0;
        wraps < MAX_WRAPS
            && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
            && !engine.isOutboundDone();
        wraps++) {
      makeRoom(packetSize);
      ByteBuffer dst = netOut.beginFill(packetSize, packetSize);
      SSLEngineResult r;
      try {
        r = engine.wrap(NO_DATA, 0, 1, dst);
      } finally {
        netOut.endFill();
      }
      if (watcher != null) {
        watcher.wrapped(r);
      }
      if (r.getStatus() == Status.BUFFER_OVERFLOW) {
        makeRoom(2 * packetSize); // the engine wants more than the packet size it announced
      } else if (r.bytesProduced() == 0) {
        break;
      }
    }
  }

  /** Ensures a fill can get {@code room} free bytes after the pending ones, which it keeps. */
  private void makeRoom(int room) {
    if (netOut.free() < room) {
      netOut.grow(netOut.remaining() + room);
    }
  }

  private void write(Transport transport) {
    try {
      while (netOut.hasRemaining()) {
        if (transport.writeOnce() <= 0) {
          return; // the peer does not read: do not wait for it here
        }
      }
    } catch (IOException | RuntimeException gone) {
      // The peer is gone (or a listener threw): nothing more can reach it.
    }
  }

  /**
   * Bytes left in netOut because the transport took no more. A loop that wants to finish the flush
   * later needs them kept, with the transport open, until writable or a deadline.
   */
  int unsent() {
    return netOut.remaining();
  }
}
