package dev.tlsloop.trace;

import static dev.tlsloop.trace.TraceLines.indexOf;
import static dev.tlsloop.trace.TraceLines.join;
import static dev.tlsloop.trace.TraceLines.messages;
import static dev.tlsloop.trace.TraceLines.typeRuns;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Traced handshakes between two real connections over an in-memory pipe: the transcript shows the
 * records and handshake messages RFC 8446 and RFC 5246 prescribe, the state transitions, and a
 * summary. Set {@code -Dtlsloop.trace.print=true} to see the transcripts.
 */
class TraceTest {
  private static final boolean PRINT = Boolean.getBoolean("tlsloop.trace.print");

  private static TestPki pki;
  private static SSLContext serverContext;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    serverContext = pki.serverContext(pki.issue("localhost"));
  }

  private static TlsConfig client(SSLContext context) throws Exception {
    return TlsConfig.client("localhost", 443).sslContext(context).alpn("h2", "http/1.1").build();
  }

  private static TlsConfig server(String protocol) throws Exception {
    return TlsConfig.server(serverContext).protocols(protocol).alpn("h2").build();
  }

  /** A full traced run: handshake, ping/pong, summaries, close. */
  private static TracedPair run(SSLContext clientContext, String protocol) throws Exception {
    TracedPair p = new TracedPair(client(clientContext), server(protocol));
    p.handshake().exchange();
    p.clientTrace.summary(p.client);
    p.serverTrace.summary(p.server);
    p.close();
    if (PRINT) {
      System.out.println("==== " + protocol + " client\n" + join(p.clientLines));
      System.out.println("==== " + protocol + " server\n" + join(p.serverLines));
    }
    return p;
  }

  @Test
  void tls13ShowsPlaintextHellosThenOnlyEncryptedApplicationDataRecords() throws Exception {
    TracedPair p = run(pki.clientContext(), "TLSv1.3");
    List<String> c = p.clientLines;

    // RFC 8446 section 2: ClientHello and ServerHello are the only plaintext handshake messages;
    // the dummy change_cipher_spec is middlebox compatibility (appendix D.4); everything else,
    // close_notify included, travels as outer type application_data (section 5.2).
    assertEquals(List.of("ClientHello"), messages(c, ">>"), join(c));
    assertEquals(List.of("ServerHello"), messages(c, "<<"), join(c));
    assertEquals(List.of("handshake", "change_cipher_spec", "application_data"), typeRuns(c, ">>"));
    assertEquals(List.of("handshake", "change_cipher_spec", "application_data"), typeRuns(c, "<<"));
    assertTrue(indexOf(c, "ClientHello") < indexOf(c, "ServerHello"));

    // The server sees the mirror image.
    assertEquals(List.of("ClientHello"), messages(p.serverLines, "<<"));
    assertEquals(List.of("ServerHello"), messages(p.serverLines, ">>"));

    assertLine(c, "ClientHello  SNI=localhost");
    assertLine(c, "ALPN offered=[h2, http/1.1]");
    assertLine(c, "versions offered=[TLS 1.3, TLS 1.2]");
    assertLine(c, "version=TLS 1.3 (0x0304) (supported_versions)");
    assertLine(c, "TLS 1.3 middlebox compatibility");
    assertLine(c, "encrypted: outer type application_data");
    assertLine(c, "carried handshake message(s): engine handshake status says");
    assertLine(c, "carries application data (4 B of plaintext)");
    assertLine(c, "carries an alert (close_notify)");
    assertLine(p.serverLines, "carried an alert (close_notify)");
    assertStatesAndSummary(p, "TLSv1.3");
    assertFalse(p.clientTrace.resumed());
  }

  @Test
  void tls12ShowsEachHandshakeMessageAndTheEncryptedFinished() throws Exception {
    TracedPair p = run(pki.clientContext(), "TLSv1.2");
    List<String> c = p.clientLines;

    // RFC 5246 section 7.3, full handshake with ECDHE: the server's flight, the client's key
    // exchange, change_cipher_spec, then Finished encrypted under the new keys.
    assertEquals(List.of("ClientHello", "ClientKeyExchange", "Finished"), messages(c, ">>"));
    List<String> fromServer = messages(c, "<<");
    assertEquals(
        List.of("ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone"),
        fromServer.subList(0, 4));
    assertEquals("Finished", fromServer.get(fromServer.size() - 1));
    assertEquals(
        List.of("handshake", "change_cipher_spec", "handshake", "application_data", "alert"),
        typeRuns(c, ">>"));
    assertEquals(
        List.of("handshake", "change_cipher_spec", "handshake", "application_data"),
        typeRuns(c, "<<"));
    assertTrue(indexOf(c, ">> #1") < indexOf(c, "ServerHello, Certificate"));

    assertLine(c, "suite=TLS_ECDHE_");
    assertLine(c, "ALPN=h2"); // TLS 1.2 answers ALPN in the plaintext ServerHello
    assertLine(c, "certificates=2 leaf=O=tlsloop test,CN=localhost");
    assertLine(c, "ECDHE group=");
    assertLine(c, "this side encrypts from now on");
    assertLine(c, "encrypted: Finished always follows ChangeCipherSpec");
    assertLine(c, "new session id 32 B: full handshake");
    assertStatesAndSummary(p, "TLSv1.2");
    assertFalse(p.clientTrace.resumed());
  }

  @ParameterizedTest
  @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
  void aSecondConnectionWithTheSameClientContextIsSeenToResume(String protocol) throws Exception {
    SSLContext shared = pki.clientContext();
    TracedPair first = run(shared, protocol);
    TracedPair second = run(shared, protocol);

    assertFalse(first.clientTrace.resumed());
    assertTrue(second.clientTrace.resumed(), join(second.clientLines));
    assertTrue(second.serverTrace.resumed(), join(second.serverLines));
    assertLine(second.clientLines, "resumed       yes");
    if (protocol.equals("TLSv1.2")) {
      // RFC 5246 section 7.3: the abbreviated handshake has no Certificate and no key exchange.
      assertFalse(messages(second.clientLines, "<<").contains("Certificate"));
      assertFalse(messages(second.clientLines, ">>").contains("ClientKeyExchange"));
      assertLine(second.clientLines, "echoes the ClientHello's: session resumed");
    } else {
      assertLine(second.clientLines, "pre_shared_key offered");
      assertLine(second.clientLines, "pre_shared_key accepted: session resumed");
    }
  }

  @Test
  void everyEngineCallShowsItsResultAndWhy() throws Exception {
    TracedPair p = run(pki.clientContext(), "TLSv1.3");
    List<String> engine = new ArrayList<>();
    for (String line : p.clientLines) {
      if (line.contains("  engine  ")) {
        engine.add(line);
      }
    }
    assertFalse(engine.isEmpty());
    for (String line : engine) {
      assertTrue(
          line.matches(
              ".*engine  (wrap  |unwrap)  \\S+ +\\S+ +consumed +\\d+  produced +\\d+  why: .+"),
          line);
    }
    assertLine(p.clientLines, "wrap    OK               NEED_UNWRAP     consumed     0  produced");
    assertLine(p.clientLines, "task    delegated task ran");
    assertLine(p.clientLines, "buffer  NET_IN  ALLOCATE");
    assertLine(p.clientLines, "buffer  NET_IN  RELEASE");
  }

  @Test
  void linesStartWithTheElapsedMillisecondsInOneColumn() throws Exception {
    TracedPair p = run(pki.clientContext(), "TLSv1.3");
    for (String line : p.clientLines) {
      // "%8.1f ms": the decimal point is always the 7th character; continuations indent 20+.
      assertTrue(line.matches("([ \\d]{6}\\.\\d ms  .*| {20,}\\S.*)"), line);
    }
  }

  @Test
  void tasksOnAnExecutorAreTracedFromItsThread() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      TracedPair p =
          new TracedPair(
              TlsConfig.client("localhost", 443)
                  .sslContext(pki.clientContext())
                  .taskExecutor(executor)
                  .build(),
              TlsConfig.server(serverContext).taskExecutor(executor).build());
      p.handshake().exchange();
      assertLine(p.clientLines, "task    delegated task ran");
      assertLine(p.clientLines, " ms on the executor");
      assertEquals(List.of("ClientHello"), messages(p.clientLines, ">>"));
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void worksAsTheConfigListenerOfABlockingChannelOverLoopbackSockets() throws Exception {
    List<String> clientLines = Collections.synchronizedList(new ArrayList<>());
    List<String> serverLines = Collections.synchronizedList(new ArrayList<>());
    TlsTrace clientTrace = new TlsTrace("client", clientLines::add);
    TlsTrace serverTrace = new TlsTrace("server", serverLines::add);
    ExecutorService serverThread = Executors.newSingleThreadExecutor();
    try (ServerSocketChannel listener =
            ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        SocketChannel clientSocket = SocketChannel.open(listener.getLocalAddress());
        SocketChannel serverSocket = listener.accept()) {
      TlsChannel server =
          TlsConfig.server(serverContext).listener(serverTrace).build().newChannel(serverSocket);
      TlsChannel client =
          TlsConfig.client("localhost", 443)
              .sslContext(pki.clientContext())
              .listener(clientTrace)
              .build()
              .newChannel(clientSocket);
      client.setTimeout(Duration.ofSeconds(20));
      server.setTimeout(Duration.ofSeconds(20));
      Future<?> echo =
          serverThread.submit(
              () -> {
                ByteBuffer b = ByteBuffer.allocate(100);
                while (b.position() < 4) {
                  server.read(b);
                }
                b.flip();
                server.write(b);
                return null;
              });
      client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer back = ByteBuffer.allocate(4);
      while (back.hasRemaining()) {
        client.read(back);
      }
      echo.get(20, TimeUnit.SECONDS);
      clientTrace.summary(client.connection());
      client.close();
      server.close();
    } finally {
      serverThread.shutdownNow();
    }
    assertEquals(List.of("ClientHello"), messages(clientLines, ">>"), join(clientLines));
    assertEquals(List.of("ServerHello"), messages(clientLines, "<<"));
    assertEquals(List.of("ClientHello"), messages(serverLines, "<<"), join(serverLines));
    assertLine(clientLines, "summary protocol      TLSv1.3");
    assertLine(clientLines, "carries application data (4 B of plaintext)");
  }

  @Test
  void aRejectedCertificateShowsTheFailureAndThePlaintextAlertTheServerReceives() throws Exception {
    SSLContext strangerTrust = TestPki.create("another CA").clientContext();
    TracedPair p =
        new TracedPair(
            TlsConfig.client("localhost", 443).sslContext(strangerTrust).build(),
            TlsConfig.server(serverContext).protocols("TLSv1.2").build());
    assertThrows(SSLHandshakeException.class, p::handshake);
    // The client failed before its ChangeCipherSpec, so its alert is plaintext (RFC 5246 7.2).
    assertThrows(IOException.class, p.server::handshake);
    if (PRINT) {
      System.out.println("==== failure client\n" + join(p.clientLines));
      System.out.println("==== failure server\n" + join(p.serverLines));
    }

    assertLine(
        p.clientLines, "state   HANDSHAKING -> FAILED  cause: javax.net.ssl.SSLHandshakeException");
    assertLine(p.serverLines, "alert              TLS 1.2 (0x0303)      2 B  fatal ");
    assertLine(p.serverLines, "HANDSHAKING -> FAILED");
  }

  private static void assertStatesAndSummary(TracedPair p, String protocol) {
    for (List<String> lines : List.of(p.clientLines, p.serverLines)) {
      assertLine(lines, "state   NEW -> HANDSHAKING");
      assertLine(lines, "state   HANDSHAKING -> OPEN");
      assertLine(lines, "state   handshake finished after");
      assertLine(lines, "summary protocol      " + protocol);
      assertLine(lines, "cipher suite  TLS_");
      assertLine(lines, "ALPN          h2");
      assertLine(lines, "resumed       ");
      assertLine(lines, "handshake     ");
      assertLine(lines, "sent          ");
      assertLine(lines, "received      ");
      assertTrue(
          indexOf(lines, "NEW -> HANDSHAKING") < indexOf(lines, "HANDSHAKING -> OPEN"),
          join(lines));
    }
    assertLine(p.clientLines, "peer cert     subject O=tlsloop test,CN=localhost");
    assertLine(p.clientLines, "issuer  O=tlsloop test,CN=tlsloop test CA");
    assertLine(p.serverLines, "peer cert     none");
    assertLine(p.clientLines, "OPEN -> OUTBOUND_CLOSED");
    assertLine(p.serverLines, "OPEN -> INBOUND_CLOSED");
  }

  private static void assertLine(List<String> lines, String text) {
    assertTrue(indexOf(lines, text) >= 0, () -> "no line with \"" + text + "\" in\n" + join(lines));
  }
}
