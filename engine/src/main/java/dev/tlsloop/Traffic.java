package dev.tlsloop;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.SocketChannel;

/**
 * What one connection moved, for its flight-recorder events ({@link ConnectionEvents}): plain
 * counters bumped by the connection's own thread, so counting costs an add and never allocates.
 */
final class Traffic {
  /** When the connection was created, on the {@link System#nanoTime()} clock. */
  final long createdAt = System.nanoTime();

  /** Ciphertext bytes read from the transport, and written to it. */
  long bytesIn;

  long bytesOut;

  /**
   * Records unwrapped, and records wrapped: engine calls that consumed or produced ciphertext. The
   * JDK's engine takes and makes one record per call (SSLEngineImpl decodes one record per unwrap
   * and encodes one per wrap).
   */
  long recordsIn;

  long recordsOut;

  /** When the handshake finished (nanoTime), 0 before; set only while JFR is available. */
  long openedAt;

  /** The connection-closed event went out: a close after a failure does not report twice. */
  boolean ended;

  private final Channel transport;

  Traffic(Channel transport) {
    this.transport = transport;
  }

  /**
   * The transport's remote address, or null: asked only when an event is recorded, while the
   * transport is still open (every hook runs before the connection closes it).
   */
  SocketAddress remoteAddress() {
    if (transport instanceof SocketChannel && transport.isOpen()) {
      try {
        return ((SocketChannel) transport).getRemoteAddress();
      } catch (IOException e) {
        return null; // closed meanwhile: the event says what the engine knows instead
      }
    }
    return null;
  }
}
