package dev.tlsloop.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The failure path against transports that take all, some, none, or fail: a TLS 1.2 server gets a
 * ClientHello and two ChangeCipherSpecs in its first read (as pre-read bytes), so that its flight
 * is still in netOut when the second CCS fails it. TLS 1.2 keeps both in plaintext: every byte the
 * transport took can be checked.
 */
class FailureFlushTest {
  /** A non-blocking transport: no more input; each write takes at most {@code perWrite} bytes. */
  static final class Trickle implements ReadableByteChannel, WritableByteChannel {
    final int perWrite;
    final boolean fail;
    final ByteArrayOutputStream taken = new ByteArrayOutputStream();
    int writes;
    boolean open = true;

    Trickle(int perWrite, boolean fail) {
      this.perWrite = perWrite;
      this.fail = fail;
    }

    @Override
    public int read(ByteBuffer dst) {
      return 0;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      writes++;
      if (fail) {
        throw new IOException("connection reset by peer (scripted)");
      }
      int n = Math.min(perWrite, src.remaining());
      byte[] b = new byte[n];
      src.get(b);
      taken.writeBytes(b);
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }

  private static TlsConnection failingServer(Trickle t) throws Exception {
    TlsConfig server = TlsConfig.server(Hostile.serverContext()).build();
    HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), "TLSv1.2");
    byte[] ccs = Wire.record(Wire.CHANGE_CIPHER_SPEC, Wire.TLS12, new byte[] {1});
    byte[] in = Wire.concat(probe.clientHello(), ccs, ccs);
    return server.newConnection(t, ByteBuffer.wrap(in));
  }

  /** However little each write takes, the call that fails writes the flight, then the alert. */
  @ParameterizedTest(name = "{0} bytes per write")
  @ValueSource(ints = {1 << 20, 1000, 7})
  void theFlightThenTheAlertWhateverEachWriteTakes(int perWrite) throws Exception {
    Trickle t = new Trickle(perWrite, false);
    TlsConnection server = failingServer(t);
    SSLException e = assertThrows(SSLException.class, server::handshake);
    assertTrue(e.getMessage().contains("ChangeCipherSpec"), e.toString());
    assertEquals(TlsState.FAILED, server.state());
    assertFalse(t.isOpen(), "transport closed");
    List<Wire.Rec> recs = Wire.records(t.taken.toByteArray());
    assertEquals(Wire.HANDSHAKE, recs.get(0).type(), "the flight first: " + recs);
    Wire.Rec last = recs.get(recs.size() - 1);
    assertArrayEquals(new byte[] {Wire.FATAL, 10}, last.fragment(), "then the alert: " + recs);
    assertEquals(Wire.ALERT, last.type());
  }

  /**
   * A peer that reads nothing: the first write that takes no byte ends the attempt. One write, no
   * spin, the transport closed; the failure reported is the engine's, not the transport's.
   */
  @ParameterizedTest(name = "fail={0}")
  @ValueSource(booleans = {false, true})
  void aTransportThatTakesNothingOrFailsIsAskedOnce(boolean fail) throws Exception {
    Trickle t = new Trickle(0, fail);
    TlsConnection server = failingServer(t);
    SSLException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(5), () -> assertThrows(SSLException.class, server::handshake));
    assertTrue(e.getMessage().contains("ChangeCipherSpec"), e.toString());
    assertEquals(1, t.writes, "write attempts");
    assertEquals(0, t.taken.size());
    assertFalse(t.isOpen());
    assertEquals(TlsState.FAILED, server.state());
  }
}
