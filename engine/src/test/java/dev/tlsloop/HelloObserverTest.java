package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Which direction's records {@link HelloObserver} takes a ServerHello from. */
class HelloObserverTest {
  /** A handshake record whose fragment starts like a TLS 1.2 ServerHello with no extensions. */
  private static ByteBuffer serverHelloLike() {
    byte[] body = new byte[2 + 32 + 1 + 2 + 1];
    body[0] = 3;
    body[1] = 3;
    ByteBuffer b = ByteBuffer.allocate(5 + 4 + body.length);
    b.put(new byte[] {22, 3, 3, 0, (byte) (4 + body.length)});
    b.put(new byte[] {2, 0, 0, (byte) body.length}).put(body);
    return b.flip();
  }

  @Test
  void aServerTakesNoFragmentOfWhatItReceivesForTheServerHello() {
    HelloObserver server = new HelloObserver(false);
    ByteBuffer rec = serverHelloLike();
    server.received(rec, 0, rec.remaining());
    assertFalse(server.done());
    server.sent(rec, 0, rec.remaining());
    assertTrue(server.done(), "its own ServerHello is what decides");
  }

  @Test
  void aClientTakesTheServerHelloFromWhatItReceives() {
    HelloObserver client = new HelloObserver(true);
    ByteBuffer rec = serverHelloLike();
    client.sent(rec, 0, rec.remaining());
    assertFalse(client.done());
    client.received(rec, 0, rec.remaining());
    assertTrue(client.done());
  }
}
