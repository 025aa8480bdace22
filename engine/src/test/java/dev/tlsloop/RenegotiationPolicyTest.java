package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.MemoryPipe;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The per-connection TLS 1.2 renegotiation policy ({@link RenegotiationPolicy}), both ends tlsloop
 * in one thread: a renegotiation is started with {@code engine().beginHandshake()} on an OPEN TLS
 * 1.2 connection (the client sends a ClientHello, the server a HelloRequest).
 */
class RenegotiationPolicyTest {
  private static TestPki pki;
  private static TestPki.Identity localhost;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    localhost = pki.issue("localhost");
  }

  private static TlsConfig.Builder client() throws Exception {
    return TlsConfig.client("localhost", 443).trust(pki.trustStore()).protocols("TLSv1.2");
  }

  private static TlsConfig.Builder server() throws Exception {
    return TlsConfig.server(pki.serverContext(localhost)).protocols("TLSv1.2");
  }

  private static Duet open(TlsConfig.Builder c, TlsConfig.Builder s) throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    Duet d =
        new Duet(
            c.build().newConnection(pipe.client), pipe.client,
            s.build().newConnection(pipe.server), pipe.server);
    d.handshake();
    exchange(d);
    return d;
  }

  /** Data both ways, checked byte for byte: a renegotiation before it must have completed. */
  private static void exchange(Duet d) throws IOException {
    byte[] up = new byte[3000];
    byte[] down = new byte[5000];
    new Random(up.length).nextBytes(up);
    new Random(down.length).nextBytes(down);
    int upBefore = d.server.received.size();
    int downBefore = d.client.received.size();
    d.client.send(up);
    d.server.send(down);
    d.runUntil(
        () ->
            d.server.received.size() == upBefore + up.length
                && d.client.received.size() == downBefore + down.length,
        5);
    byte[] gotUp = d.server.received.toByteArray();
    byte[] gotDown = d.client.received.toByteArray();
    assertArrayEquals(up, Arrays.copyOfRange(gotUp, upBefore, gotUp.length));
    assertArrayEquals(down, Arrays.copyOfRange(gotDown, downBefore, gotDown.length));
  }

  /**
   * Starts a renegotiation from {@code side} and pumps until the other side ended or data flows.
   */
  private static void renegotiateFrom(Duet d, Duet.Side side) throws Exception {
    side.conn.engine().beginHandshake();
    exchange(d);
  }

  /** Reads what is buffered and then the transport's end; returns only by exception. */
  private static void readToTheEnd(TlsConnection c) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(65536);
    while (c.read(b) >= 0) {
      b.clear();
    }
  }

  @Test
  void defaultsAreRefuseOnServersAndAllowOnClients() throws Exception {
    assertEquals(0, server().build().renegotiation().limit());
    assertEquals(Integer.MAX_VALUE, client().build().renegotiation().limit());
    assertEquals("allow up to 3", RenegotiationPolicy.allowUpTo(3).toString());
    assertThrows(IllegalArgumentException.class, () -> RenegotiationPolicy.allowUpTo(-1));
  }

  @Test
  void aServerRefusesClientInitiatedRenegotiationByDefault() throws Exception {
    Duet d = open(client(), server());
    assertThrows(IOException.class, () -> renegotiateFrom(d, d.client));
    assertEquals(TlsState.FAILED, d.server.conn.state());
    SSLHandshakeException refused =
        assertInstanceOf(SSLHandshakeException.class, d.server.conn.failure());
    assertTrue(refused.getMessage().contains("renegotiation started by the client refused"));
    assertEquals(1, d.server.conn.peerRenegotiations());
    // No alert (NOTES.md, "Renegotiation policy"): the client's next read finds the stream cut.
    assertThrows(TlsTruncationException.class, () -> readToTheEnd(d.client.conn));
    assertEquals(TlsState.FAILED, d.client.conn.state());
  }

  @Test
  void allowUpToNAcceptsNThenRefuses() throws Exception {
    Duet d = open(client(), server().renegotiation(RenegotiationPolicy.allowUpTo(2)));
    renegotiateFrom(d, d.client);
    renegotiateFrom(d, d.client);
    assertEquals(2, d.server.conn.peerRenegotiations());
    assertEquals(TlsState.OPEN, d.server.conn.state());
    assertThrows(IOException.class, () -> renegotiateFrom(d, d.client));
    assertEquals(3, d.server.conn.peerRenegotiations());
    assertEquals(TlsState.FAILED, d.server.conn.state());
  }

  @Test
  void allowAcceptsEveryClientRenegotiation() throws Exception {
    Duet d =
        open(
            client(),
            server().renegotiation(RenegotiationPolicy.allow()).maxRecordsWithoutData(1000));
    for (int i = 0; i < 5; i++) {
      renegotiateFrom(d, d.client);
    }
    assertEquals(5, d.server.conn.peerRenegotiations());
    assertEquals(TlsState.OPEN, d.server.conn.state());
    assertEquals(TlsState.OPEN, d.client.conn.state());
  }

  @Test
  void aClientAcceptsServerInitiatedRenegotiationByDefaultAndTheServerDoesNotCountItsOwn()
      throws Exception {
    Duet d = open(client(), server());
    for (int i = 0; i < 3; i++) {
      renegotiateFrom(d, d.server);
    }
    assertEquals(3, d.client.conn.peerRenegotiations());
    assertEquals(0, d.server.conn.peerRenegotiations(), "its own, under the default refuse");
    assertEquals(TlsState.OPEN, d.server.conn.state());
    assertEquals(TlsState.OPEN, d.client.conn.state());
  }

  @Test
  void aClientConfiguredToRefuseEndsOnTheServersHelloRequest() throws Exception {
    Duet d = open(client().renegotiation(RenegotiationPolicy.refuse()), server());
    assertThrows(IOException.class, () -> renegotiateFrom(d, d.server));
    assertEquals(TlsState.FAILED, d.client.conn.state());
    assertTrue(d.client.conn.failure().getMessage().contains("started by the server refused"));
  }

  @Test
  void tls13ConnectionsNeverCountKeyUpdatesAsRenegotiations() throws Exception {
    Duet d =
        open(
            client().protocols("TLSv1.3"),
            server().protocols("TLSv1.3").renegotiation(RenegotiationPolicy.refuse()));
    for (int i = 0; i < 3; i++) {
      d.client.conn.requestKeyUpdate();
      exchange(d);
    }
    assertEquals(0, d.server.conn.peerRenegotiations());
    assertEquals(TlsState.OPEN, d.server.conn.state());
  }

  /**
   * A JDK {@link SSLSocket} client renegotiates ({@code startHandshake()} again) with a tlsloop
   * server on loopback sockets; the server echoes. Returns the server's failure, or null.
   */
  private static IOException sslSocketRenegotiates(TlsConfig server, boolean expectRefusal)
      throws Exception {
    try (Loopback lo = Loopback.open()) {
      CompletableFuture<IOException> serverEnd =
          CompletableFuture.supplyAsync(
              () -> {
                try (TlsChannel tls = server.newChannel(lo.server)) {
                  ByteBuffer b = ByteBuffer.allocate(1024);
                  while (tls.read(b) >= 0) {
                    b.flip();
                    tls.write(b);
                    b.clear();
                  }
                  return null;
                } catch (IOException e) {
                  return e;
                }
              });
      SSLSocket ssl =
          (SSLSocket)
              pki.clientContext()
                  .getSocketFactory()
                  .createSocket(lo.client.socket(), "localhost", 443, true);
      ssl.setEnabledProtocols(new String[] {"TLSv1.2"});
      ssl.setSoTimeout(10_000);
      OutputStream out = ssl.getOutputStream();
      InputStream in = ssl.getInputStream();
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      assertEquals("hello", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
      if (expectRefusal) {
        assertThrows(
            IOException.class,
            () -> {
              ssl.startHandshake();
              out.write('x');
              in.read();
            });
      } else {
        for (int i = 0; i < 3; i++) {
          ssl.startHandshake();
          out.write("again".getBytes(StandardCharsets.US_ASCII));
          assertEquals("again", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
        }
      }
      ssl.close();
      return serverEnd.get();
    }
  }

  @Test
  void anSslSocketClientsRenegotiationIsRefusedByATlsloopServer() throws Exception {
    IOException e = sslSocketRenegotiates(server().build(), true);
    assertInstanceOf(SSLHandshakeException.class, e);
    assertTrue(
        e.getMessage().contains("renegotiation started by the client refused"), e.getMessage());
  }

  @Test
  void anSslSocketClientRenegotiatesWithAServerThatAllowsIt() throws Exception {
    IOException e =
        sslSocketRenegotiates(
            server().renegotiation(RenegotiationPolicy.allowUpTo(3)).build(), false);
    assertTrue(e == null, "server: " + e);
  }
}
