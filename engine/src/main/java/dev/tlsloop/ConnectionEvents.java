package dev.tlsloop;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Optional;
import javax.net.ssl.SSLEngine;

/**
 * The connection's hooks for JDK Flight Recorder events, safe on every runtime. The module reads
 * {@code jdk.jfr} only through {@code requires static}: on a runtime without it (a jlink image, or
 * {@code --limit-modules java.base}) no JFR class may be touched, so this class names none and asks
 * once, at class initialisation, whether {@code jdk.jfr} is there and readable. Only then does it
 * call {@link JfrEvents}, whose event classes the JVM loads at that first call. With JFR present
 * but the events not enabled (no recording, or a recording without them), each hook costs that
 * flag, one event object the JIT can drop, and its {@code isEnabled()} check: once per handshake,
 * failure and close, never per record.
 */
final class ConnectionEvents {
  /** Whether jdk.jfr is in the boot layer and this module reads it (any unnamed module does). */
  static final boolean AVAILABLE = jfrReadable();

  private ConnectionEvents() {}

  private static boolean jfrReadable() {
    Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
    return jfr.isPresent() && ConnectionEvents.class.getModule().canRead(jfr.get());
  }

  /** The handshake finished (the connection just became OPEN). */
  static void handshakeDone(TlsConnection c, Traffic t) {
    if (AVAILABLE) {
      JfrEvents.handshake(c, t);
    }
  }

  /**
   * The connection fails with {@code error}; called before it becomes FAILED and closes its
   * transport, so the state still says whether the handshake was under way.
   */
  static void failing(TlsConnection c, Traffic t, IOException error) {
    if (AVAILABLE) {
      JfrEvents.failing(c, t, error);
    }
  }

  /** The connection is about to close its transport (after close() or a failure). */
  static void closing(TlsConnection c, Traffic t) {
    if (AVAILABLE && !t.ended) {
      t.ended = true;
      JfrEvents.closed(c, t);
    }
  }

  /** The peer as text: the transport's remote address, else the host and port a client dialled. */
  static String peer(TlsConnection c, Traffic t) {
    SocketAddress a = t.remoteAddress();
    if (a != null) {
      return a.toString();
    }
    SSLEngine e = c.engine();
    return e == null || e.getPeerHost() == null ? null : e.getPeerHost() + ":" + e.getPeerPort();
  }
}
