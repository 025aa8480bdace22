package dev.tlsloop.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsState;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import javax.net.ssl.SSLContext;

/** Shared fixtures: one CA, one server identity, and the raw hostile client. */
final class Hostile {
  /** How long a test waits for the server to answer or close. */
  static final int READ_TIMEOUT_MS = 4000;

  private static TestPki pki;
  private static SSLContext serverContext;
  private static SSLContext clientContext;

  private Hostile() {}

  static synchronized void init() throws GeneralSecurityException {
    if (pki == null) {
      pki = TestPki.create("tlsloop hostile CA");
      serverContext = pki.serverContext(pki.issue("localhost"));
      clientContext = pki.clientContext();
    }
  }

  static SSLContext serverContext() throws GeneralSecurityException {
    init();
    return serverContext;
  }

  /** A fresh client context: no session to resume, so every probe makes a full handshake. */
  static SSLContext freshClientContext() throws GeneralSecurityException {
    init();
    return pki.clientContext();
  }

  /** A client context trusting our CA, presenting a certificate our CA did not issue. */
  static SSLContext strangerClientContext() throws GeneralSecurityException {
    init();
    TestPki other = TestPki.create("a CA the server does not know");
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(other.issue("stranger").keyManagers(), pki.trustManagers(), null);
    return ctx;
  }

  /** A client context trusting our CA, presenting a certificate our CA issued. */
  static SSLContext memberClientContext() throws GeneralSecurityException {
    init();
    return pki.clientContext(pki.issue("member"));
  }

  static TlsConfig serverConfig() throws GeneralSecurityException {
    return TlsConfig.server(serverContext()).build();
  }

  static TlsConfig clientConfig(String protocol) throws GeneralSecurityException {
    init();
    return TlsConfig.client("localhost", 443).sslContext(clientContext).protocols(protocol).build();
  }

  /** A client with a context of its own: a full handshake, never a resumed session. */
  static TlsConfig freshClientConfig(String protocol) throws GeneralSecurityException {
    return TlsConfig.client("localhost", 443)
        .sslContext(freshClientContext())
        .protocols(protocol)
        .build();
  }

  /** What one raw connection saw: the records, whether EOF came, and its local port. */
  record Outcome(Wire.Seen seen, int localPort) {}

  /** Connects, writes {@code bytes} in one write, reads until EOF. */
  static Outcome send(InetSocketAddress server, byte[] bytes) throws IOException {
    try (Socket s = new Socket(server.getAddress(), server.getPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
      return new Outcome(Wire.readUntilEof(s, READ_TIMEOUT_MS), s.getLocalPort());
    }
  }

  /**
   * Asserts what a peer saw: whole records, the fatal alert {@code expected} as the very last
   * record (read by the probe; a plaintext one is also checked byte by byte: type 21, level 2, the
   * description), then EOF. With {@code expected} null: no alert at all, then EOF.
   */
  static void assertAlertThenEof(
      String who, Wire.Seen seen, HelloProbe.Verdict verdict, String expected) {
    assertTrue(seen.eof(), who + ": EOF expected; saw " + seen);
    assertEquals(0, seen.trailing().length, who + ": a partial record before EOF; saw " + seen);
    if (expected == null) {
      assertNull(verdict.alert(), who + ": no alert expected; saw " + seen + " -> " + verdict);
      assertTrue(seen.plainAlerts().isEmpty(), who + ": no alert expected; saw " + seen);
      return;
    }
    assertEquals(expected, verdict.alert(), who + ": saw " + seen + " -> " + verdict);
    assertEquals(
        seen.records().size() - 1,
        verdict.index(),
        who + ": the alert must be the last record before EOF; saw " + seen);
    Wire.Rec last = seen.last();
    if (last.type() == Wire.ALERT) {
      assertArrayEquals(
          new byte[] {Wire.FATAL, (byte) Wire.code(expected)},
          last.fragment(),
          who + ": alert record bytes; saw " + seen);
    } else {
      // TLS 1.3 after the ServerHello: the alert is encrypted, its outer type application_data.
      assertEquals(Wire.APPLICATION_DATA, last.type(), who + ": saw " + seen);
    }
  }

  /** Asserts the server ended this connection FAILED and logged exactly one line for it. */
  static LoopServer.Ended assertFailedAndLoggedOnce(LoopServer server, int clientPort)
      throws InterruptedException {
    LoopServer.Ended e = server.awaitEnd(clientPort, READ_TIMEOUT_MS);
    assertNotNull(e, "the server did not end the connection from :" + clientPort);
    assertEquals(TlsState.FAILED, e.state(), "end state; failure: " + e.failure());
    assertEquals(
        1, server.logLinesFor(clientPort).size(), "log lines: " + server.logLinesFor(clientPort));
    return e;
  }

  /**
   * The JDK's engine answers a few malformed inputs differently across releases: JDK 17 and JDK 25
   * (the two this project runs on) are known. Returns what the running JDK sends.
   */
  static String byJdk(String jdk17, String jdk25) {
    return JDK25 ? jdk25 : jdk17;
  }

  /** Whether this is JDK 25 or later (stricter zero-length and early-alert handling). */
  static final boolean JDK25 = Runtime.version().feature() >= 25;
}
