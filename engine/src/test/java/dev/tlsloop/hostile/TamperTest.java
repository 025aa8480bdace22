package dev.tlsloop.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults injected between two real ends (a tlsloop client, and a tlsloop server or, for reference,
 * a JDK {@code SSLServerSocket}) by a record-aware proxy: a flipped byte in ciphertext, tag or CBC
 * padding after the handshake, a truncated Finished, a handshake message duplicated or skipped,
 * data behind close_notify. Each: the alert the failing end sends reaches the other (the tlsloop
 * client names it: "Received fatal alert: NAME"), it is the last record the proxy forwards, EOF
 * follows, the server's end state and log line are as expected, and a healthy neighbour on the same
 * server finishes its transfer.
 */
class TamperTest extends TwoServers {
  private static final Pattern RECEIVED = Pattern.compile("Received fatal alert: (\\S+)");

  /** A tamper that acts once, on the first record {@code when} accepts. */
  interface Once {
    boolean when(TamperProxy.Dir dir, int index, Wire.Rec rec, List<Wire.Rec> before);
  }

  interface Change {
    byte[] apply(Wire.Rec rec, List<Wire.Rec> before);
  }

  private static TamperProxy.Tamper once(Once when, Change change) {
    AtomicBoolean done = new AtomicBoolean();
    return (dir, index, rec, before) ->
        !done.get() && when.when(dir, index, rec, before) && done.compareAndSet(false, true)
            ? change.apply(rec, before)
            : TamperProxy.same(rec);
  }

  /** What one run through the proxy gave. */
  record Run(String clientAlert, IOException clientFailure, Wire.Seen down, int upstreamPort) {}

  /**
   * Connects a tlsloop client through a proxy with {@code tamper} to {@code server}, handshakes,
   * arms, sends a message and reads its echo. Returns the alert the client received (or null).
   */
  private static Run run(
      InetSocketAddress server,
      TlsConfig client,
      AtomicBoolean armed,
      boolean markAfterHandshake,
      TamperProxy.Tamper tamper)
      throws Exception {
    try (TamperProxy proxy = new TamperProxy(server, tamper);
        TlsChannel c = client.newChannel(SocketChannel.open(proxy.address()))) {
      c.setTimeout(Duration.ofSeconds(4));
      IOException failure = null;
      try {
        c.handshake();
        if (markAfterHandshake) {
          proxy.mark(); // what the server sent before the fault is not of interest
        }
        armed.set(true);
        byte[] msg = "a message the proxy will spoil".getBytes(StandardCharsets.UTF_8);
        c.write(ByteBuffer.wrap(msg));
        ByteBuffer in = ByteBuffer.allocate(256);
        while (in.position() < msg.length) {
          if (c.read(in) < 0) {
            break;
          }
        }
      } catch (IOException e) {
        failure = e;
      }
      Wire.Seen down = proxy.downSinceMark();
      return new Run(alertName(failure), failure, down, proxy.upstreamPort());
    }
  }

  private static String alertName(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      Matcher m = RECEIVED.matcher(String.valueOf(c.getMessage()));
      if (m.find()) {
        return m.group(1);
      }
    }
    return null;
  }

  /** The client got {@code alert}; it was the last record the server sent; EOF followed. */
  private static void assertAlertReachedTheClient(String who, Run r, String alert) {
    assertNotNull(r.clientFailure(), who + ": the client did not fail; saw " + r.down());
    assertEquals(alert, r.clientAlert(), who + ": client failure " + r.clientFailure());
    Wire.Seen down = r.down();
    assertTrue(down.eof(), who + ": EOF after the alert; saw " + down);
    Wire.Rec last = down.last();
    assertNotNull(last, who + ": nothing after the fault");
    // TLS 1.2 protects alerts but keeps their outer type; TLS 1.3 hides it.
    assertTrue(
        last.type() == Wire.ALERT || last.type() == Wire.APPLICATION_DATA,
        who + ": last record " + last);
  }

  /** Runs the case against tlsloop and the JDK reference; both must send {@code alert}. */
  private void expect(String protocol, TlsConfig client, String alert, Supplier<Faults> faults)
      throws Exception {
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig(protocol), loop.address(), 128 * 1024, 9)) {
      Faults f = faults.get();
      Run r = run(loop.address(), client, f.armed, f.afterHandshake, f.tamper);
      assertAlertReachedTheClient("tlsloop", r, alert);
      LoopServer.Ended e = Hostile.assertFailedAndLoggedOnce(loop, r.upstreamPort());
      assertTrue(e.failure() != null, "server failure recorded");

      Faults g = faults.get();
      Run ref = run(jdk.address(), client, g.armed, g.afterHandshake, g.tamper);
      assertAlertReachedTheClient("SSLServerSocket", ref, alert);
      healthy.finish();
    }
  }

  /** A fresh tamper and the flag that arms it. */
  static final class Faults {
    final AtomicBoolean armed = new AtomicBoolean();
    boolean afterHandshake;
    TamperProxy.Tamper tamper;
  }

  private static Supplier<Faults> afterHandshake(int type, Change change) {
    return () -> {
      Faults f = new Faults();
      f.afterHandshake = true;
      f.tamper =
          once(
              (dir, i, rec, before) ->
                  dir == TamperProxy.Dir.UP && f.armed.get() && rec.type() == type,
              change);
      return f;
    };
  }

  private static Supplier<Faults> during(Once when, Change change) {
    return () -> {
      Faults f = new Faults();
      f.tamper = once(when, change);
      return f;
    };
  }

  // ------------------------------------------------------------------ after the handshake

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aFlippedCiphertextByte(String protocol) throws Exception {
    expect(
        protocol,
        Hostile.freshClientConfig(protocol),
        "bad_record_mac",
        afterHandshake(Wire.APPLICATION_DATA, (rec, b) -> TamperProxy.flip(rec, 12)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aFlippedTagByte(String protocol) throws Exception {
    expect(
        protocol,
        Hostile.freshClientConfig(protocol),
        "bad_record_mac",
        afterHandshake(Wire.APPLICATION_DATA, (rec, b) -> TamperProxy.flip(rec, -1)));
  }

  /**
   * TLS 1.2 with a CBC suite: the last byte of the next-to-last cipher block is XORed into the last
   * plaintext byte, the padding length. The padding check fails: bad_record_mac (RFC 5246 6.2.3.2).
   */
  @Test
  void aFlippedPaddingByteTls12Cbc() throws Exception {
    TlsConfig cbc =
        TlsConfig.client("localhost", 443)
            .sslContext(Hostile.freshClientContext())
            .protocols("TLSv1.2")
            .cipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256")
            .build();
    expect(
        "TLSv1.2",
        cbc,
        "bad_record_mac",
        afterHandshake(Wire.APPLICATION_DATA, (rec, b) -> TamperProxy.flip(rec, -17)));
  }

  // ------------------------------------------------------------------ during the handshake

  /** The client's Finished: TLS 1.3 its first protected record, TLS 1.2 the record after CCS. */
  private static boolean clientFinished(
      String protocol, TamperProxy.Dir dir, Wire.Rec rec, List<Wire.Rec> before) {
    if (dir != TamperProxy.Dir.UP) {
      return false;
    }
    if (protocol.equals("TLSv1.3")) {
      return rec.type() == Wire.APPLICATION_DATA;
    }
    return rec.type() == Wire.HANDSHAKE
        && !before.isEmpty()
        && before.get(before.size() - 1).type() == Wire.CHANGE_CIPHER_SPEC;
  }

  /** The Finished record one byte short (its header says so): it no longer decrypts. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"TLSv1.3, bad_record_mac", "TLSv1.2, bad_record_mac"})
  void aTruncatedFinished(String protocol, String alert) throws Exception {
    expect(
        protocol,
        Hostile.freshClientConfig(protocol),
        alert,
        during(
            (dir, i, rec, before) -> clientFinished(protocol, dir, rec, before),
            (rec, b) -> TamperProxy.shorten(rec, 1)));
  }

  /** The client's Finished twice (TLS 1.3: the copy no longer decrypts). */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"TLSv1.3, bad_record_mac", "TLSv1.2, bad_record_mac"})
  void aDuplicatedFinished(String protocol, String alert) throws Exception {
    expect(
        protocol,
        Hostile.freshClientConfig(protocol),
        alert,
        during(
            (dir, i, rec, before) -> clientFinished(protocol, dir, rec, before),
            (rec, b) -> Wire.concat(rec.bytes(), rec.bytes())));
  }

  /**
   * TLS 1.3: the client's Finished left out; its application data arrives in its place and fails to
   * decrypt under the handshake keys. (In TLS 1.2 the same leaves both ends waiting for each
   * other's Finished: no fault to report, the close deadline's business.)
   */
  @Test
  void aSkippedFinishedTls13() throws Exception {
    expect(
        "TLSv1.3",
        Hostile.freshClientConfig("TLSv1.3"),
        "bad_record_mac",
        during(
            (dir, i, rec, before) -> clientFinished("TLSv1.3", dir, rec, before),
            (rec, b) -> new byte[0]));
  }

  /** TLS 1.2, plaintext handshake: the ClientKeyExchange record twice, or not at all. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({"twice, unexpected_message", "never, unexpected_message"})
  void aDuplicatedOrSkippedClientKeyExchangeTls12(String how, String alert) throws Exception {
    expect(
        "TLSv1.2",
        Hostile.freshClientConfig("TLSv1.2"),
        alert,
        during(
            (dir, i, rec, before) ->
                dir == TamperProxy.Dir.UP
                    && rec.type() == Wire.HANDSHAKE
                    && rec.fragment()[0] == 16, // client_key_exchange
            (rec, b) -> how.equals("twice") ? Wire.concat(rec.bytes(), rec.bytes()) : new byte[0]));
  }

  // ------------------------------------------------------------------ the client fails

  /**
   * The other direction: the TLS 1.2 server flight without its ServerKeyExchange. The tlsloop
   * client fails, and the alert its engine queued must reach the server, which logs it as received.
   * A JDK SSLSocket client, through the same fault, sends the same alert (the reference).
   */
  @Test
  void aSkippedServerKeyExchangeFailsTheClientAndTheServerHearsWhy() throws Exception {
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig("TLSv1.2"), loop.address(), 128 * 1024, 10)) {
      TamperProxy.Tamper dropSke =
          (dir, i, rec, before) ->
              dir == TamperProxy.Dir.DOWN && rec.type() == Wire.HANDSHAKE && i < 4
                  ? withoutMessage(rec, 12)
                  : TamperProxy.same(rec);
      Wire.Rec sent;
      try (TamperProxy proxy = new TamperProxy(loop.address(), dropSke);
          TlsChannel c =
              Hostile.freshClientConfig("TLSv1.2")
                  .newChannel(SocketChannel.open(proxy.address()))) {
        c.setTimeout(Duration.ofSeconds(4));
        IOException failure = null;
        try {
          c.handshake();
        } catch (IOException e) {
          failure = e;
        }
        assertNotNull(failure, "the client must fail");
        assertEquals(TlsState.FAILED, c.connection().state());
        LoopServer.Ended e = Hostile.assertFailedAndLoggedOnce(loop, awaitPort(proxy));
        sent = lastUp(proxy);
        assertEquals(Wire.FATAL, sent.level(), "client's last record: " + proxy.up());
        assertEquals(
            Wire.name(sent.description()),
            alertName(e.failure()),
            "the server must have received the client's alert: " + e.failure());
      }
      // Reference: a JDK SSLSocket client through the same fault.
      try (TamperProxy proxy = new TamperProxy(loop.address(), dropSke);
          SSLSocket s =
              (SSLSocket)
                  Hostile.freshClientContext()
                      .getSocketFactory()
                      .createSocket(proxy.address().getAddress(), proxy.address().getPort())) {
        s.setEnabledProtocols(new String[] {"TLSv1.2"});
        s.setSoTimeout(Hostile.READ_TIMEOUT_MS);
        try {
          s.startHandshake();
        } catch (IOException expected) {
          // The same fault fails the JDK client.
        }
        Hostile.assertFailedAndLoggedOnce(loop, awaitPort(proxy));
        Wire.Rec ref = lastUp(proxy);
        assertEquals(Wire.name(ref.description()), Wire.name(sent.description()), "reference");
      }
      healthy.finish();
    }
  }

  /** The last record the client sent, once the proxy saw it end (bounded wait). */
  private static Wire.Rec lastUp(TamperProxy proxy) throws InterruptedException {
    proxy.downSinceMark(); // the server closes after the alert: then the client's side is done
    List<Wire.Rec> up = proxy.up();
    Wire.Rec last = up.get(up.size() - 1);
    assertTrue(last.isPlainAlert(), "a plaintext alert before the client's CCS: " + up);
    return last;
  }

  private static int awaitPort(TamperProxy p) throws InterruptedException {
    for (int i = 0; i < 200 && p.upstreamPort() == 0; i++) {
      Thread.sleep(5);
    }
    return p.upstreamPort();
  }

  /** A plaintext handshake record without the messages of type {@code type}. */
  private static byte[] withoutMessage(Wire.Rec rec, int type) {
    byte[] f = rec.fragment();
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    int p = 0;
    while (p + 4 <= f.length) {
      int len = ((f[p + 1] & 0xff) << 16) | ((f[p + 2] & 0xff) << 8) | (f[p + 3] & 0xff);
      int end = Math.min(f.length, p + 4 + len);
      if ((f[p] & 0xff) != type) {
        kept.write(f, p, end - p);
      }
      p = end;
    }
    kept.write(f, p, f.length - p);
    byte[] k = kept.toByteArray();
    return k.length == 0 ? new byte[0] : Wire.record(rec.type(), rec.version(), k);
  }

  // ------------------------------------------------------------------ close_notify, then data

  /**
   * The client's close_notify with a copy of its earlier data record right behind it, in one write.
   * RFC 8446 6.1 / RFC 5246 7.2.1: data after close_notify is ignored. The server ends the stream
   * cleanly: -1, its own close_notify, state CLOSED, no log line; nothing is echoed twice.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void dataAfterCloseNotifyIsIgnored(String protocol) throws Exception {
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig(protocol), loop.address(), 128 * 1024, 11)) {
      for (InetSocketAddress server : new InetSocketAddress[] {loop.address(), jdk.address()}) {
        AtomicBoolean armed = new AtomicBoolean();
        List<Wire.Rec> dataRecords = new ArrayList<>();
        TamperProxy.Tamper splice =
            (dir, i, rec, before) -> {
              if (dir != TamperProxy.Dir.UP) {
                return TamperProxy.same(rec);
              }
              if (!armed.get()) {
                if (rec.type() == Wire.APPLICATION_DATA) {
                  dataRecords.add(rec);
                }
                return TamperProxy.same(rec);
              }
              // The first record after arming is the close_notify; splice the old data behind it.
              armed.set(false);
              return Wire.concat(rec.bytes(), dataRecords.get(dataRecords.size() - 1).bytes());
            };
        try (TamperProxy proxy = new TamperProxy(server, splice);
            TlsChannel c =
                Hostile.freshClientConfig(protocol)
                    .newChannel(SocketChannel.open(proxy.address()))) {
          c.setTimeout(Duration.ofSeconds(4));
          byte[] msg = "echo me once".getBytes(StandardCharsets.UTF_8);
          c.write(ByteBuffer.wrap(msg));
          ByteBuffer in = ByteBuffer.allocate(256);
          while (in.position() < msg.length) {
            c.read(in);
          }
          armed.set(true);
          c.shutdownOutput();
          in.clear();
          assertEquals(-1, c.read(in), server + ": the server's close_notify, nothing more");
          if (server.equals(loop.address())) {
            LoopServer.Ended e = loop.awaitEnd(awaitPort(proxy), Hostile.READ_TIMEOUT_MS);
            assertNotNull(e);
            assertEquals(TlsState.CLOSED, e.state(), "failure: " + e.failure());
            assertTrue(loop.logLinesFor(proxy.upstreamPort()).isEmpty());
          }
        }
      }
      healthy.finish();
    }
  }

  // ------------------------------------------------------------------ a delegated task fails

  /**
   * A client certificate the server does not trust: the check runs as a delegated task on the
   * server's executor and fails there; the engine rethrows on its next call with its alert queued.
   * In TLS 1.3 the client's Certificate, CertificateVerify and Finished arrive in one read. The
   * alert reaches the client as the last record, then EOF; the JDK SSLServerSocket sends the same.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "TLSv1.3, bad_certificate, certificate_required",
    "TLSv1.2, bad_certificate, handshake_failure"
  })
  void aDelegatedTaskThatFailsSendsTheEnginesAlert(String protocol, String jdk17, String jdk25)
      throws Exception {
    // JDK 25's client sends no certificate the server's certificate_authorities does not name,
    // so the server fails for a missing certificate instead of an untrusted one.
    String alert = Hostile.byJdk(jdk17, jdk25);
    ExecutorService tasks = Executors.newFixedThreadPool(2);
    try (LoopServer mtls =
            new LoopServer(
                TlsConfig.server(Hostile.serverContext())
                    .clientAuth(TlsConfig.ClientAuth.NEED)
                    .taskExecutor(tasks)
                    .build());
        JdkServer ref = new JdkServer(Hostile.serverContext(), true)) {
      TlsConfig member =
          TlsConfig.client("localhost", 443)
              .sslContext(Hostile.memberClientContext())
              .protocols(protocol)
              .build();
      TlsConfig stranger =
          TlsConfig.client("localhost", 443)
              .sslContext(Hostile.strangerClientContext())
              .protocols(protocol)
              .build();
      try (Neighbour healthy = new Neighbour(member, mtls.address(), 128 * 1024, 12)) {
        Run r = run(mtls.address(), stranger, new AtomicBoolean(), false, TamperProxy::watchOnly);
        assertAlertReachedTheClient("tlsloop", r, alert);
        Hostile.assertFailedAndLoggedOnce(mtls, r.upstreamPort());
        Run j = run(ref.address(), stranger, new AtomicBoolean(), false, TamperProxy::watchOnly);
        assertAlertReachedTheClient("SSLServerSocket", j, alert);
        healthy.finish();
      }
    } finally {
      tasks.shutdownNow();
    }
  }
}
