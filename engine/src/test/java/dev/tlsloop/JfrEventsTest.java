package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.testkit.TestPki;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flight-recorder events of real loopback connections, read back from a recording file: a
 * handshake, transfer and clean close; a handshake the client refuses; a handshake timeout.
 */
class JfrEventsTest {
  private static final String[] EVENTS = {
    "dev.tlsloop.Handshake",
    "dev.tlsloop.HandshakeFailed",
    "dev.tlsloop.Timeout",
    "dev.tlsloop.ConnectionClosed"
  };

  private static TestPki pki;
  private static ExecutorService pool;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    pool = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void aSecondConnectionOfTheSameClientIsRecordedAsResumed() throws Exception {
    TlsConfig server = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
    TlsConfig client = TlsConfig.client("localhost", 4433).sslContext(pki.clientContext()).build();
    List<RecordedEvent> events;
    try (Recording r = start()) {
      for (int i = 0; i < 2; i++) {
        try (Loopback l = Loopback.open();
            TlsChannel s = server.newChannel(l.server);
            TlsChannel c = client.newChannel(l.client)) {
          Future<Void> echo =
              async(
                  () -> {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    readFully(s, b);
                    s.write(b.flip());
                    return null;
                  });
          c.write(ByteBuffer.wrap(new byte[] {7}));
          readFully(c, ByteBuffer.allocate(1)); // the TLS 1.3 ticket arrived before the echo
          echo.get(30, TimeUnit.SECONDS);
        }
      }
      events = stop(r);
    }
    List<Boolean> resumed = new ArrayList<>();
    for (RecordedEvent e : events) {
      if (e.getEventType().getName().equals("dev.tlsloop.Handshake") && e.getBoolean("client")) {
        resumed.add(e.getBoolean("resumed"));
      }
    }
    assertEquals(List.of(false, true), resumed);
  }

  @Test
  void jfrIsAvailableOnThisRuntime() {
    assertTrue(ConnectionEvents.AVAILABLE, "the JDK running the tests has jdk.jfr");
  }

  @Test
  void aHandshakeTransferAndCleanCloseAreRecorded() throws Exception {
    SSLContext server = pki.serverContext(pki.issue("localhost"));
    byte[] payload = new byte[1000];
    String clientPeer;
    String serverPeer;
    List<RecordedEvent> events;
    // The channels are closed by the test itself: their close is what is being recorded.
    try (Recording r = start();
        Loopback l = Loopback.open()) {
      TlsChannel s = TlsConfig.server(server).build().newChannel(l.server);
      TlsChannel c =
          TlsConfig.client("localhost", 4433)
              .sslContext(pki.clientContext())
              .build()
              .newChannel(l.client);
      clientPeer = l.client.getRemoteAddress().toString();
      serverPeer = l.server.getRemoteAddress().toString();
      Future<Void> echo =
          async(
              () -> {
                ByteBuffer b = ByteBuffer.allocate(payload.length);
                readFully(s, b);
                s.write(b.flip());
                assertEquals(-1, s.read(ByteBuffer.allocate(1)), "client's close_notify");
                s.close();
                return null;
              });
      c.write(ByteBuffer.wrap(payload));
      readFully(c, ByteBuffer.allocate(payload.length));
      c.shutdownOutput();
      assertEquals(-1, c.read(ByteBuffer.allocate(1)), "server's close_notify");
      echo.get(30, TimeUnit.SECONDS);
      c.close();
      events = stop(r);
    }
    RecordedEvent ch = only(events, "dev.tlsloop.Handshake", true);
    RecordedEvent sh = only(events, "dev.tlsloop.Handshake", false);
    for (RecordedEvent h : List.of(ch, sh)) {
      assertEquals("TLSv1.3", h.getString("protocol"));
      assertFalse(h.getBoolean("resumed"), "a first connection is a full handshake");
      assertTrue(h.getString("cipherSuite").startsWith("TLS_"), h.getString("cipherSuite"));
      assertTrue(h.getDuration("handshakeDuration").toNanos() > 0);
    }
    assertEquals(clientPeer, ch.getString("peer"), "the client's peer is the server's address");
    assertEquals(serverPeer, sh.getString("peer"));

    RecordedEvent cc = only(events, "dev.tlsloop.ConnectionClosed", true);
    RecordedEvent sc = only(events, "dev.tlsloop.ConnectionClosed", false);
    for (RecordedEvent e : List.of(cc, sc)) {
      assertEquals("CLOSE_NOTIFY_BOTH_WAYS", e.getString("cause"));
      assertNull(e.getString("failure"));
      assertEquals("TLSv1.3", e.getString("protocol"));
      assertTrue(e.getLong("bytesWritten") >= payload.length, e.toString());
      assertTrue(e.getLong("bytesRead") >= payload.length, e.toString());
      assertTrue(e.getDuration("lifetime").toNanos() > 0);
    }
    assertEquals(clientPeer, cc.getString("peer"));
    assertEquals(serverPeer, sc.getString("peer"));
    // Each side read everything the other wrote, up to and including its close_notify; and the
    // JDK's engine makes and takes one record per call, so records match one to one as well.
    assertEquals(cc.getLong("bytesWritten"), sc.getLong("bytesRead"));
    assertEquals(sc.getLong("bytesWritten"), cc.getLong("bytesRead"));
    assertEquals(cc.getLong("recordsWritten"), sc.getLong("recordsRead"));
    assertEquals(sc.getLong("recordsWritten"), cc.getLong("recordsRead"));
    // At least: the client's Finished, the data and close_notify; the server's flight too.
    assertTrue(cc.getLong("recordsWritten") >= 3, cc.toString());
    assertTrue(sc.getLong("recordsWritten") >= 3, sc.toString());
    assertTrue(
        names(events).stream().noneMatch(n -> n.contains("Failed") || n.contains("Timeout")));
  }

  @Test
  void anUntrustedCertificateIsAFailedHandshakeOnBothSides() throws Exception {
    SSLContext server = TestPki.create("Some Other CA").serverContext(pki.issue("localhost"));
    List<RecordedEvent> events;
    String clientPeer;
    try (Recording r = start();
        Loopback l = Loopback.open();
        TlsChannel s = TlsConfig.server(server).build().newChannel(l.server);
        TlsChannel c =
            TlsConfig.client("localhost", 4433)
                .sslContext(TestPki.create("Unrelated CA").clientContext())
                .build()
                .newChannel(l.client)) {
      clientPeer = l.client.getRemoteAddress().toString();
      Future<IOException> serverSide =
          async(() -> assertThrows(IOException.class, s::handshake, "the client's alert"));
      SSLHandshakeException e = assertThrows(SSLHandshakeException.class, c::handshake);
      serverSide.get(30, TimeUnit.SECONDS);
      events = stop(r);
      RecordedEvent cf = only(events, "dev.tlsloop.HandshakeFailed", true);
      assertEquals(e.toString(), cf.getString("error"));
      assertTrue(cf.getString("error").contains("PKIX"), cf.getString("error"));
      assertEquals(clientPeer, cf.getString("peer"));
      assertTrue(cf.getDuration("handshakeDuration").toNanos() > 0);
    }
    RecordedEvent sf = only(events, "dev.tlsloop.HandshakeFailed", false);
    assertTrue(sf.getString("error").contains("certificate_unknown"), sf.getString("error"));
    RecordedEvent cc = only(events, "dev.tlsloop.ConnectionClosed", true);
    assertEquals("FAILED", cc.getString("cause"));
    assertEquals("NONE", cc.getString("protocol"));
    assertEquals(
        only(events, "dev.tlsloop.HandshakeFailed", true).getString("error"),
        cc.getString("failure"));
    assertTrue(cc.getLong("bytesWritten") > 0 && cc.getLong("bytesRead") > 0, cc.toString());
    assertTrue(names(events).stream().noneMatch(n -> n.equals("dev.tlsloop.Handshake")));
    assertTrue(names(events).stream().noneMatch(n -> n.equals("dev.tlsloop.Timeout")));
  }

  @Test
  void aHandshakeTimeoutIsAFailedHandshakeAndATimeout() throws Exception {
    List<RecordedEvent> events;
    String serverPeer;
    try (Recording r = start();
        Loopback l = Loopback.open()) {
      serverPeer = l.server.getRemoteAddress().toString();
      TlsConnection conn =
          TlsConfig.server(pki.serverContext(pki.issue("localhost")))
              .handshakeTimeout(Duration.ofMillis(300))
              .build()
              .newConnection(l.server);
      // The client connected and says nothing; the deadline is reached without waiting for it.
      assertTrue(conn.checkDeadlines(conn.nextDeadline()));
      conn.close();
      events = stop(r);
    }
    RecordedEvent t = only(events, "dev.tlsloop.Timeout", false);
    assertEquals("HANDSHAKE", t.getString("kind"));
    assertEquals("NEW", t.getString("state"));
    assertEquals(serverPeer, t.getString("peer"));
    RecordedEvent f = only(events, "dev.tlsloop.HandshakeFailed", false);
    assertTrue(f.getString("error").startsWith(TlsTimeoutException.class.getName()), f.toString());
    RecordedEvent c = only(events, "dev.tlsloop.ConnectionClosed", false);
    assertEquals("TIMED_OUT", c.getString("cause"), "reported once, though close() came after");
    assertEquals(0, c.getLong("bytesRead"));
    assertEquals(0, c.getLong("bytesWritten"));
    assertEquals(serverPeer, c.getString("peer"));
  }

  @Test
  void nothingIsRecordedForEventsARecordingDidNotEnable() throws Exception {
    List<RecordedEvent> events;
    try (Recording r = new Recording()) {
      r.enable("jdk.JavaMonitorWait"); // some other event: ours stay disabled
      r.start();
      try (Loopback l = Loopback.open()) {
        TlsConnection conn =
            TlsConfig.server(pki.serverContext(pki.issue("localhost")))
                .build()
                .newConnection(l.server);
        assertTrue(conn.checkDeadlines(conn.nextDeadline()));
        conn.close();
      }
      events = stop(r);
    }
    assertFalse(names(events).stream().anyMatch(n -> n.startsWith("dev.tlsloop.")));
  }

  @Test
  void aRuntimeWithoutJfrConnectsAndFailsWithoutTouchingIt() throws Exception {
    // The module reads jdk.jfr only through "requires static": on such a runtime no JFR class may
    // be loaded. --limit-modules leaves jdk.jfr out as a jlink image without it would.
    Path keys = dir.resolve("keys.p12");
    KeyStore ks = pki.issue("localhost").keyStore();
    ks.setCertificateEntry("ca", pki.caCertificate());
    try (OutputStream out = Files.newOutputStream(keys)) {
      ks.store(out, TestPki.PASSWORD);
    }
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "--limit-modules",
                    "java.base,jdk.crypto.ec",
                    "-cp",
                    System.getProperty("java.class.path"),
                    NoJfrMain.class.getName(),
                    keys.toString(),
                    new String(TestPki.PASSWORD)))
            .redirectErrorStream(true)
            .start();
    String out;
    try {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "forked JVM finished");
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), out);
    assertTrue(
        out.contains(
            "jdk.jfr in boot layer=false events available=false TLSv1.3 echoed 42 timed out=true"),
        out);
  }

  // ------------------------------------------------------------------------------------------

  private static Recording start() {
    Recording r = new Recording();
    for (String name : EVENTS) {
      r.enable(name);
    }
    r.start();
    return r;
  }

  private List<RecordedEvent> stop(Recording r) throws IOException {
    r.stop();
    Path file = Files.createTempFile(dir, "events", ".jfr");
    r.dump(file);
    return RecordingFile.readAllEvents(file);
  }

  /** The one event of this name and side; the test's own connections are the only ones. */
  private static RecordedEvent only(List<RecordedEvent> events, String name, boolean client) {
    List<RecordedEvent> found =
        events.stream()
            .filter(e -> e.getEventType().getName().equals(name))
            .filter(e -> e.getBoolean("client") == client)
            .collect(Collectors.toList());
    assertEquals(1, found.size(), name + (client ? " client" : " server") + ": " + found);
    return found.get(0);
  }

  private static List<String> names(List<RecordedEvent> events) {
    return events.stream().map(e -> e.getEventType().getName()).collect(Collectors.toList());
  }

  private static <T> Future<T> async(Callable<T> task) {
    return pool.submit(task);
  }

  private static void readFully(TlsChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("early end of stream");
      }
    }
  }
}
