package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * A flood of valid records without data (here: KeyUpdates asking for an answer, the one kind a JDK
 * engine can be made to send) is stopped by the configured limit with a clear cause, while a
 * neighbour on the same loop keeps being served.
 */
class LoopFloodTest {
  @Test
  void aKeyUpdateFloodIsCutOffByTheRecordLimitAndTheNeighbourIsServed() throws Exception {
    LoopFixture f = new LoopFixture();
    Ended ended = new Ended();
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(
              f.server("TLSv1.3").maxRecordsWithoutData(50).build(),
              new InetSocketAddress("127.0.0.1", 0),
              ended.echo(false));
      try (SSLSocket neighbour = f.sslSocket(at, "TLSv1.3");
          SocketChannel ch = SocketChannel.open(at)) {
        byte[] one = LoopFixture.payload(10_000);
        assertArrayEquals(one, LoopFixture.echoOver(neighbour, one));
        ch.configureBlocking(false);
        TlsConnection flood = f.client(at.getPort(), "TLSv1.3").build().newConnection(ch);
        while (flood.handshake() != TlsNeed.NOTHING) {
          Thread.sleep(1);
        }
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        int sent = 0;
        try {
          for (; sent < 100_000 && ch.isOpen(); sent++) {
            flood.engine().beginHandshake(); // TLS 1.3: a KeyUpdate (update_requested)
            sink.clear();
            flood.read(sink); // wraps the KeyUpdate, takes whatever came back
            flood.flush();
          }
        } catch (java.io.IOException expected) {
          // The server gave up on us: exactly the point.
        }
        Ended.End e = ended.next();
        assertEquals(CloseCause.TLS_ERROR, e.cause());
        assertTrue(
            e.error().getMessage().contains("without application data"), e.error().getMessage());
        assertTrue(sent < 100_000, "the flood was cut off, after " + sent + " KeyUpdates");
        assertArrayEquals(one, LoopFixture.echoOver(neighbour, one));
      }
    }
  }
}
