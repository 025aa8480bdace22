package dev.tlsloop;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * The session's packet and application buffer sizes, asked of the engine once the handshake is
 * over. Each getter takes the engine's lock and a wrap used to ask three times (NOTES.md section
 * 7); an overflow or an underflow longer than the known packet size is the only sign that the sizes
 * grew, and then {@link #forget()} makes the next call ask again.
 *
 * <p>During the handshake the answer is the larger of the session's and the handshake session's
 * size, asked every time: the handshake session's grows when the peer allows large records.
 */
final class SessionSizes {
  /** 0 until known. */
  private int packet;

  /** 0 until known. */
  private int app;

  /** The packet buffer size; cached once there is no handshake session and no handshake runs. */
  int packet(SSLEngine engine, boolean handshaking) {
    if (packet > 0) {
      return packet;
    }
    SSLSession hs = engine.getHandshakeSession();
    int size = engine.getSession().getPacketBufferSize();
    size = hs != null ? Math.max(size, hs.getPacketBufferSize()) : size;
    if (hs == null && !handshaking) {
      packet = size;
    }
    return size;
  }

  /** The application buffer size; cached like {@link #packet}. */
  int app(SSLEngine engine, boolean handshaking) {
    if (app > 0) {
      return app;
    }
    SSLSession hs = engine.getHandshakeSession();
    int size = engine.getSession().getApplicationBufferSize();
    size = hs != null ? Math.max(size, hs.getApplicationBufferSize()) : size;
    if (hs == null && !handshaking) {
      app = size;
    }
    return size;
  }

  /** The engine said a buffer was too small: the sizes may have grown, ask again. */
  void forget() {
    packet = 0;
    app = 0;
  }
}
