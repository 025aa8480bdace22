package dev.tlsloop.demo;

import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.TlsHandler;
import java.nio.ByteBuffer;

/**
 * Sends back every byte it receives, until the client closes. What the send queue cannot take stays
 * in {@code data}: the loop stops reading this client and offers the rest again once the queue has
 * drained (inbound backpressure, see {@link TlsHandler}).
 */
final class EchoHandler implements TlsHandler {
  @Override
  public void onData(LoopConnection conn, ByteBuffer data) {
    conn.send(data);
  }
}
