package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.RenegotiationPolicy;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A flood of valid records without data (KeyUpdates asking for an answer in TLS 1.3, renegotiations
 * in TLS 1.2: what a JDK engine can be made to send; empty records and warning alerts it cannot) is
 * stopped by the configured limit with a clear cause, while a neighbour on the same loop keeps
 * being served.
 */
class LoopFloodTest {
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aFloodOfHandshakeTrafficWithoutDataIsCutOffAndTheNeighbourIsServed(String protocol)
      throws Exception {
    LoopFixture f = new LoopFixture();
    Ended ended = new Ended();
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(
              // Renegotiations allowed: the flood limit, not the policy, is what this tests.
              f.server(protocol)
                  .maxRecordsWithoutData(50)
                  .renegotiation(RenegotiationPolicy.allow())
                  .build(),
              new InetSocketAddress("127.0.0.1", 0),
              ended.echo(false));
      try (SSLSocket neighbour = f.sslSocket(at, protocol);
          SocketChannel ch = SocketChannel.open(at)) {
        byte[] one = LoopFixture.payload(10_000);
        assertArrayEquals(one, LoopFixture.echoOver(neighbour, one));
        ch.configureBlocking(false);
        TlsConnection flood = f.client(at.getPort(), protocol).build().newConnection(ch);
        while (flood.handshake() != TlsNeed.NOTHING) {
          Thread.sleep(1);
        }
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        int sent = 0;
        long until = System.nanoTime() + 20_000_000_000L;
        try {
          while (sent < 100_000 && ch.isOpen() && System.nanoTime() < until) {
            if (flood.engine().getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
              // TLS 1.3: a KeyUpdate (update_requested); TLS 1.2: a renegotiation.
              flood.engine().beginHandshake();
              sent++;
            }
            sink.clear();
            if (flood.read(sink) == 0 && flood.need() == TlsNeed.READ) {
              Thread.sleep(0, 100_000); // a renegotiation waits for the server's flight
            }
            flood.flush();
          }
        } catch (java.io.IOException expected) {
          // The server gave up on us: exactly the point.
        }
        Ended.End e = ended.next();
        assertEquals(CloseCause.TLS_ERROR, e.cause());
        assertTrue(
            e.error().getMessage().contains("without application data"), e.error().getMessage());
        assertTrue(sent < 100_000, "the flood was cut off, after " + sent + " rounds");
        assertArrayEquals(one, LoopFixture.echoOver(neighbour, one));
      }
    }
  }
}
