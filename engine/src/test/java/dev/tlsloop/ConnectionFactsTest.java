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
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngineResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The negotiated facts of a connection through its public API ({@code protocol()}, {@code
 * cipherSuite()}, {@code applicationProtocol()}, {@code peerCertificates()}, {@code serverName()},
 * {@code isResumed()}) and {@code requestKeyUpdate()}, both ends tlsloop in one thread.
 */
class ConnectionFactsTest {
  private static TestPki pki;
  private static TestPki.Identity localhost;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    localhost = pki.issue("localhost");
  }

  private static TlsConfig.Builder client(String protocol) throws Exception {
    return TlsConfig.client("localhost", 443).trust(pki.trustStore()).protocols(protocol);
  }

  private static TlsConfig.Builder server(String protocol) throws Exception {
    return TlsConfig.server(pki.serverContext(localhost)).protocols(protocol);
  }

  /** A handshake and a little data both ways (the client takes its TLS 1.3 tickets), then close. */
  private static Duet connect(TlsConfig client, TlsConfig server) throws IOException {
    MemoryPipe pipe = new MemoryPipe();
    Duet d =
        new Duet(
            client.newConnection(pipe.client), pipe.client,
            server.newConnection(pipe.server), pipe.server);
    d.handshake();
    d.client.send(new byte[100]);
    d.server.send(new byte[200]);
    d.runUntil(() -> d.server.received.size() == 100 && d.client.received.size() == 200, 5);
    return d;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void theNegotiatedFactsAreReadableWithoutTheEngine(String protocol) throws Exception {
    TlsConfig c = client(protocol).alpn("h2", "http/1.1").build();
    TlsConfig s = server(protocol).alpn("http/1.1").build();
    MemoryPipe pipe = new MemoryPipe();
    TlsConnection early = s.newConnection(pipe.server);
    assertNull(early.protocol());
    assertNull(early.cipherSuite());
    assertNull(early.applicationProtocol());
    assertNull(early.serverName(), "a server knows the name only from the ClientHello");
    assertTrue(early.peerCertificates().isEmpty());
    assertEquals("localhost", c.newConnection(pipe.client).serverName(), "a client knows it");

    Duet d = connect(c, s);
    for (TlsConnection conn : new TlsConnection[] {d.client.conn, d.server.conn}) {
      assertEquals(protocol, conn.protocol());
      assertEquals(conn.session().getCipherSuite(), conn.cipherSuite());
      assertTrue(conn.cipherSuite().startsWith("TLS_"), conn.cipherSuite());
      assertEquals("http/1.1", conn.applicationProtocol());
      assertEquals("localhost", conn.serverName());
    }
    assertEquals(Arrays.asList(localhost.chain()), d.client.conn.peerCertificates());
    assertTrue(d.server.conn.peerCertificates().isEmpty(), "no client certificate was asked for");
  }

  @Test
  void noAlpnIsTheEmptyStringAndNoSniIsNull() throws Exception {
    Duet d = connect(client("TLSv1.3").sni(false).build(), server("TLSv1.3").alpn("h2").build());
    assertEquals("", d.client.conn.applicationProtocol());
    assertEquals("", d.server.conn.applicationProtocol());
    assertNull(d.client.conn.serverName());
    assertNull(d.server.conn.serverName());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aSecondConnectionWithTheSameConfigsIsResumedAndBothEndsSaySo(String protocol)
      throws Exception {
    TlsConfig c = client(protocol).build();
    TlsConfig s = server(protocol).build();
    Duet first = connect(c, s);
    assertFalse(first.client.conn.isResumed());
    assertFalse(first.server.conn.isResumed());
    Duet second = connect(c, s);
    assertTrue(second.client.conn.isResumed());
    assertTrue(second.server.conn.isResumed());
    // A resumed handshake sends no Certificate, but the session keeps the chain it verified.
    assertEquals(Arrays.asList(localhost.chain()), second.client.conn.peerCertificates());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void withResumptionOffNoConnectionIsResumed(String protocol) throws Exception {
    TlsConfig c = client(protocol).sessionResumption(false).build();
    TlsConfig s = server(protocol).build();
    connect(c, s);
    Duet second = connect(c, s);
    assertFalse(second.client.conn.isResumed());
    assertFalse(second.server.conn.isResumed());
  }

  @Test
  void hellosArrivingOneByteAtATimeStillTellAResumption() throws Exception {
    TlsConfig c = client("TLSv1.3").build();
    TlsConfig s = server("TLSv1.3").build();
    connect(c, s);
    MemoryPipe pipe = new MemoryPipe(1 << 16, 1); // every transport read and write moves 1 byte
    Duet d =
        new Duet(
            c.newConnection(pipe.client), pipe.client, s.newConnection(pipe.server), pipe.server);
    d.runUntil(
        () -> d.client.conn.state() == TlsState.OPEN && d.server.conn.state() == TlsState.OPEN, 5);
    assertTrue(d.client.conn.isResumed());
    assertTrue(d.server.conn.isResumed());
  }

  /** Counts the records a connection wraps after its handshake without application data. */
  private static final class ControlWraps implements TlsListener {
    final AtomicInteger count = new AtomicInteger();

    @Override
    public void onWrap(TlsConnection c, String why, SSLEngineResult r) {
      if (why.equals(TlsConnection.WHY_CONTROL_WRAP) && r.bytesProduced() > 0) {
        count.incrementAndGet();
      }
    }
  }

  @Test
  void requestKeyUpdateSendsAKeyUpdateThePeerAnswers() throws Exception {
    ControlWraps clientWraps = new ControlWraps();
    ControlWraps serverWraps = new ControlWraps();
    Duet d =
        connect(
            client("TLSv1.3").listener(clientWraps).build(),
            server("TLSv1.3").listener(serverWraps).build());
    for (int i = 1; i <= 3; i++) {
      assertEquals(TlsNeed.NOTHING, d.client.conn.requestKeyUpdate());
      assertEquals(i, clientWraps.count.get(), "our KeyUpdate");
      int size = d.server.received.size();
      d.client.send(new byte[1000]);
      d.runUntil(() -> d.server.received.size() == size + 1000, 5);
      // update_requested (RFC 8446 4.6.3): the server answered with a KeyUpdate of its own.
      assertEquals(i, serverWraps.count.get(), "the server's answer");
    }
    assertEquals(TlsState.OPEN, d.client.conn.state());
    assertEquals(TlsState.OPEN, d.server.conn.state());
  }

  @Test
  void requestKeyUpdateNeedsAnOpenTls13Connection() throws Exception {
    TlsConfig c12 = client("TLSv1.2").build();
    MemoryPipe pipe = new MemoryPipe();
    TlsConnection fresh = c12.newConnection(pipe.client);
    assertThrows(IllegalStateException.class, fresh::requestKeyUpdate);
    Duet d = connect(c12, server("TLSv1.2").build());
    IllegalStateException e =
        assertThrows(IllegalStateException.class, d.client.conn::requestKeyUpdate);
    assertTrue(e.getMessage().contains("TLSv1.2"), e.getMessage());
    assertEquals(TlsState.OPEN, d.client.conn.state(), "misuse does not fail the connection");
    ByteBuffer unused = ByteBuffer.allocate(1);
    assertEquals(0, d.client.conn.read(unused));
  }
}
