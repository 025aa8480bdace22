package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.MemoryPipe;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sentences of {@link TlsConnection}'s Javadoc that promise something, each checked: which
 * exceptions leave the state as it is, that {@code flush()} after {@code shutdownOutput()} does not
 * report NOTHING before the close_notify is on the wire, and that an I/O error in CLOSED closes the
 * transport.
 */
class JavadocPromisesTest {
  private static TestPki pki;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
  }

  /** A pipe end whose writes can be held (return 0) or broken (throw), like a stuck socket. */
  private static final class Valve implements ByteChannel {
    enum Mode {
      FLOWING,
      HELD,
      BROKEN
    }

    final MemoryPipe.End end;
    Mode mode = Mode.FLOWING;

    Valve(MemoryPipe.End end) {
      this.end = end;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return end.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (mode == Mode.BROKEN) {
        throw new IOException("connection reset by peer");
      }
      return mode == Mode.HELD ? 0 : end.write(src);
    }

    @Override
    public boolean isOpen() {
      return end.isOpen();
    }

    @Override
    public void close() {
      end.close();
    }
  }

  /** A client over a valve and a server, handshaken over an in-memory pipe. */
  private static final class Pair {
    final MemoryPipe pipe = new MemoryPipe();
    final Valve clientEnd = new Valve(pipe.client);
    final TlsConnection client;
    final TlsConnection server;

    Pair(String protocol) throws Exception {
      client =
          TlsConfig.client("localhost", 443)
              .trust(pki.trustStore())
              .protocols(protocol)
              .build()
              .newConnection(clientEnd);
      server =
          TlsConfig.server(pki.serverContext(pki.issue("localhost")))
              .protocols(protocol)
              .build()
              .newConnection(pipe.server);
      for (int i = 0; i < 50 && !(isOpen(client) && isOpen(server)); i++) {
        client.handshake();
        server.handshake();
      }
      assertEquals(TlsState.OPEN, client.state());
      assertEquals(TlsState.OPEN, server.state());
    }

    private static boolean isOpen(TlsConnection c) {
      return c.state() == TlsState.OPEN && !c.hasPendingOutput();
    }

    /** Reads {@code c} until it returns -1 or nothing more comes; returns the bytes before. */
    static long readToEnd(TlsConnection c) throws IOException {
      ByteBuffer dst = ByteBuffer.allocate(32 * 1024);
      long total = 0;
      for (int i = 0; i < 1000; i++) {
        dst.clear();
        int n = c.read(dst);
        if (n < 0) {
          return total;
        }
        if (n == 0) {
          break;
        }
        total += n;
      }
      throw new AssertionError("no end of stream after " + total + " bytes: " + c);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void readAndWriteAfterCloseThrowClosedChannelExceptionAndLeaveTheStateClosed(String protocol)
      throws Exception {
    Pair p = new Pair(protocol);
    p.client.close();
    assertEquals(TlsState.CLOSED, p.client.state());
    assertThrows(ClosedChannelException.class, () -> p.client.write(ByteBuffer.allocate(1)));
    assertThrows(ClosedChannelException.class, () -> p.client.read(ByteBuffer.allocate(1)));
    assertEquals(TlsState.CLOSED, p.client.state());
    assertNull(p.client.failure());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void readAfterCloseReturnsEndOfStreamWhenThePeersCloseNotifyCameFirst(String protocol)
      throws Exception {
    Pair p = new Pair(protocol);
    assertEquals(TlsNeed.NOTHING, p.server.shutdownOutput());
    assertEquals(0, Pair.readToEnd(p.client));
    p.client.close();
    assertEquals(-1, p.client.read(ByteBuffer.allocate(1)));
    assertThrows(ClosedChannelException.class, () -> p.client.write(ByteBuffer.allocate(1)));
    assertEquals(TlsState.CLOSED, p.client.state());
    assertNull(p.client.failure());
  }

  @Test
  void writeAfterThePeersCloseNotifyInTls12ThrowsSslExceptionAndLeavesTheStateClosed()
      throws Exception {
    Pair p = new Pair("TLSv1.2");
    assertEquals(TlsNeed.NOTHING, p.server.shutdownOutput());
    assertEquals(0, Pair.readToEnd(p.client));
    assertEquals(TlsState.CLOSED, p.client.state(), "TLS 1.2 answers close_notify at once");
    SSLException e = assertThrows(SSLException.class, () -> p.client.write(ByteBuffer.allocate(1)));
    assertTrue(e.getMessage().contains("peer closed"), e.getMessage());
    assertEquals(TlsState.CLOSED, p.client.state());
    assertNull(p.client.failure());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void flushAfterShutdownOutputReportsNothingOnlyOnceTheCloseNotifyIsOnTheWire(String protocol)
      throws Exception {
    Pair p = new Pair(protocol);
    p.clientEnd.mode = Valve.Mode.HELD;
    ByteBuffer data = ByteBuffer.allocate(1 << 20);
    long accepted = 0;
    long w;
    while ((w = p.client.write(data)) > 0) {
      accepted += w;
    }
    assertEquals(TlsNeed.WRITE, p.client.need(), "netOut is full");
    assertEquals(TlsNeed.WRITE, p.client.shutdownOutput(), "no room for the close_notify yet");
    p.clientEnd.mode = Valve.Mode.FLOWING;
    TlsNeed n = TlsNeed.WRITE;
    long received = 0;
    for (int i = 0; i < 1000 && n != TlsNeed.NOTHING; i++) {
      n = p.client.flush();
      received += drain(p.server); // the pipe is bounded: the server takes what arrived
    }
    assertEquals(TlsNeed.NOTHING, n);
    assertFalse(p.client.hasPendingOutput());
    // No further call on the client: the server must find all the data, then the close_notify.
    received += Pair.readToEnd(p.server);
    assertEquals(accepted, received);
    assertEquals(TlsState.OUTBOUND_CLOSED, p.client.state());
  }

  /** Reads what {@code c} has now, without waiting for the end. */
  private static long drain(TlsConnection c) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(32 * 1024);
    long total = 0;
    int n;
    while ((n = c.read(dst.clear())) > 0) {
      total += n;
    }
    return total;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void anIoErrorInStateClosedClosesTheTransport(String protocol) throws Exception {
    Pair p = new Pair(protocol);
    p.clientEnd.mode = Valve.Mode.HELD;
    assertEquals(TlsNeed.NOTHING, p.server.shutdownOutput());
    assertEquals(0, Pair.readToEnd(p.client));
    if (p.client.state() != TlsState.CLOSED) {
      p.client.shutdownOutput(); // TLS 1.3 may keep our half open; close it: netOut keeps it
    }
    assertEquals(TlsState.CLOSED, p.client.state());
    assertTrue(p.client.hasPendingOutput(), "our close_notify waits in netOut");
    p.clientEnd.mode = Valve.Mode.BROKEN;
    assertThrows(IOException.class, p.client::flush);
    assertFalse(p.clientEnd.isOpen(), "the transport is closed");
    assertEquals(TlsState.CLOSED, p.client.state(), "CLOSED is terminal");
  }
}
