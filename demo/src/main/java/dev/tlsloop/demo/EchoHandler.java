package dev.tlsloop.demo;

import java.nio.ByteBuffer;

/** Sends back every byte it receives, until the client closes. */
final class EchoHandler implements SelectorLoop.Handler {
  @Override
  public void received(ByteBuffer data, SelectorLoop.Session session) {
    ByteBuffer copy = ByteBuffer.allocate(data.remaining());
    copy.put(data).flip();
    session.send(copy);
  }
}
