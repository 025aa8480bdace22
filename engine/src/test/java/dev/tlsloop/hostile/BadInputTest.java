package dev.tlsloop.hostile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsState;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed input before and during the handshake, written raw to a tlsloop server on loopback
 * while a healthy client streams through the same server. For each: what the peer sees on the wire
 * (the alert, then EOF; or nothing, when the JDK waits for more), the connection's end state and
 * log line, and the neighbour's transfer, byte for byte.
 *
 * <p>The expected alert is the one the JDK's SSLEngine queues: tlsloop sends what its engine says.
 * Every case is also sent to a JDK {@code SSLServerSocket}; where the socket's record layer decides
 * differently from the engine's, both verdicts are asserted, and the difference is named.
 */
class BadInputTest extends TwoServers {
  /**
   * Sends {@code bytes} to both servers (each with a fresh probe, whose ClientHello the bytes may
   * start with) and asserts the alert each sends, then EOF; tlsloop's connection FAILED, logged
   * once; the neighbour unharmed.
   */
  private static void expectAlert(
      String protocol, Input input, String engineVerdict, String socketVerdict) throws Exception {
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig(protocol), loop.address(), 128 * 1024, 42)) {
      HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), protocol);
      Hostile.Outcome o = Hostile.send(loop.address(), input.bytes(probe));
      Hostile.assertAlertThenEof(
          "tlsloop", o.seen(), probe.alertIn(o.seen().records()), engineVerdict);
      Hostile.assertFailedAndLoggedOnce(loop, o.localPort());

      HelloProbe ref = new HelloProbe(Hostile.freshClientContext(), protocol);
      Hostile.Outcome r = Hostile.send(jdk.address(), input.bytes(ref));
      Hostile.assertAlertThenEof(
          "SSLServerSocket", r.seen(), ref.alertIn(r.seen().records()), socketVerdict);
      healthy.finish();
    }
  }

  /** The bytes of a case, given the probe whose ClientHello they may include. */
  interface Input {
    byte[] bytes(HelloProbe probe) throws Exception;
  }

  // ------------------------------------------------------------------ not TLS at all

  /**
   * Not a TLS record: the engine's record layer throws a plain SSLException ("Unrecognized SSL
   * message, plaintext connection?"), which SSLEngine.unwrap turns into internal_error; SSLSocket's
   * record layer answers the same bytes with unexpected_message.
   */
  @Test
  void randomBytesInsteadOfAClientHello() throws Exception {
    byte[] noise = new byte[64];
    new Random(7).nextBytes(noise);
    noise[0] = 0x42; // not a content type, not an SSLv2 header: deterministic whatever the seed
    expectAlert("TLSv1.3", p -> noise, "internal_error", "unexpected_message");
  }

  @Test
  void plainHttpToTheTlsPort() throws Exception {
    byte[] get = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    expectAlert("TLSv1.3", p -> get, "internal_error", "unexpected_message");
  }

  /** An SSLv2-style (2-byte header) ClientHello offering TLS 1.0: SSLv2Hello is not enabled. */
  @Test
  void anSslV2StyleHello() throws Exception {
    byte[] v2 = sslV2Hello();
    expectAlert("TLSv1.3", p -> v2, "handshake_failure", "handshake_failure");
  }

  static byte[] sslV2Hello() {
    byte[] specs = {
      0x00,
      0x00,
      0x2f,
      0x00,
      0x00,
      0x35,
      0x00,
      0x00,
      0x0a,
      0x00,
      0x00,
      0x05,
      0x00,
      0x00,
      0x04,
      0x00,
      0x00,
      (byte) 0xff,
      0x00,
      0x00,
      0x09
    };
    byte[] challenge = new byte[16];
    new Random(2).nextBytes(challenge);
    byte[] body =
        Wire.concat(
            new byte[] {0x01, 0x03, 0x01}, // CLIENT-HELLO, version TLS 1.0
            new byte[] {0x00, (byte) specs.length, 0x00, 0x00, 0x00, (byte) challenge.length},
            specs,
            challenge);
    return Wire.concat(new byte[] {(byte) 0x80, (byte) body.length}, body);
  }

  // ------------------------------------------------------------------ record sizes

  /**
   * A record announcing more than the protocol allows (2^14+256 for TLS 1.3 ciphertext, 2^14+2048
   * for TLS 1.2), behind a real ClientHello, with or without its body. RFC 8446 5.2 and RFC 5246
   * 6.2.3 ask for record_overflow; the JDK (17) sends it in none of these cases. Its TLS 1.3 engine
   * rejects a header announcing more than the session's packet size (16709) at once ("Input record
   * too big", unexpected_message) and decrypts smaller records (bad_record_mac); its TLS 1.2 engine
   * raises the packet size to 33093 for a longer header and waits for the body, then rejects the
   * record for what it is (application data before the handshake ended); a header beyond that is
   * rejected at once. SSLSocket waits for an announced body of 18433 bytes, and rejects a header
   * announcing 65535 at once. "waits": no alert and no close, the connection still handshaking,
   * until the client gives up (then EOF fails it, logged once).
   */
  @ParameterizedTest(name = "{0} ClientHello + {1} B application_data, body {2}")
  @CsvSource({
    "TLSv1.3, 16641, true,  bad_record_mac,     bad_record_mac",
    "TLSv1.3, 18433, true,  unexpected_message, bad_record_mac",
    "TLSv1.3, 18433, false, unexpected_message, waits",
    "TLSv1.3, 65535, false, unexpected_message, unexpected_message",
    "TLSv1.2, 18433, true,  unexpected_message, unexpected_message",
    "TLSv1.2, 18433, false, waits,              waits",
    "TLSv1.2, 65535, false, unexpected_message, unexpected_message",
  })
  void aRecordLargerThanTheProtocolAllows(
      String protocol, int length, boolean body, String engineVerdict, String socketVerdict)
      throws Exception {
    Input in =
        p ->
            Wire.concat(
                p.clientHello(),
                body
                    ? Wire.record(Wire.APPLICATION_DATA, Wire.TLS12, new byte[length])
                    : Wire.header(Wire.APPLICATION_DATA, Wire.TLS12, length));
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig(protocol), loop.address(), 128 * 1024, 43)) {
      expect("tlsloop", loop.address(), protocol, in, engineVerdict);
      expect("SSLServerSocket", jdk.address(), protocol, in, socketVerdict);
      healthy.finish();
    }
  }

  /** One server, one verdict: an alert name, or "waits" (the flight at most, then silence). */
  private static void expect(
      String who, InetSocketAddress server, String protocol, Input in, String verdict)
      throws Exception {
    HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), protocol);
    boolean tlsloop = server.equals(loop.address());
    if (!verdict.equals("waits")) {
      Hostile.Outcome o = Hostile.send(server, in.bytes(probe));
      Hostile.assertAlertThenEof(who, o.seen(), probe.alertIn(o.seen().records()), verdict);
      if (tlsloop) {
        Hostile.assertFailedAndLoggedOnce(loop, o.localPort());
      }
      return;
    }
    int port;
    try (Socket s = new Socket(server.getAddress(), server.getPort())) {
      port = s.getLocalPort();
      s.getOutputStream().write(in.bytes(probe));
      Wire.Seen seen = Wire.readUntilEof(s, 700);
      assertFalse(seen.eof(), who + ": " + seen);
      assertTrue(seen.plainAlerts().isEmpty(), who + ": " + seen);
      assertNull(probe.alertIn(seen.records()).alert(), who + ": " + seen);
      if (tlsloop) {
        assertNull(loop.ended.get(port), "still open while the client waits");
      }
    }
    if (tlsloop) {
      LoopServer.Ended e = Hostile.assertFailedAndLoggedOnce(loop, port);
      assertTrue(e.failure().getMessage().contains("EOF"), e.failure().toString());
    }
  }

  /** The first record announces 65535 bytes and nothing follows: rejected from the header. */
  @Test
  void aFirstRecordHeaderAnnouncing65535Bytes() throws Exception {
    byte[] h = Wire.header(Wire.HANDSHAKE, Wire.TLS12, 65535);
    expectAlert("TLSv1.3", p -> h, "unexpected_message", "unexpected_message");
  }

  // ------------------------------------------------------------------ zero-length records

  /**
   * A zero-length handshake record as the very first record: the JDK (17) neither rejects it (RFC
   * 8446 5.1 forbids it) nor answers; it waits for a ClientHello. So does tlsloop: no byte, no
   * close, the connection still handshaking; when the client gives up, EOF during the handshake
   * fails it (logged once).
   */
  @Test
  void aZeroLengthHandshakeRecordFirstIsWaitedOn() throws Exception {
    byte[] empty = Wire.record(Wire.HANDSHAKE, Wire.TLS12, new byte[0]);
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig("TLSv1.3"), loop.address(), 128 * 1024, 44)) {
      for (InetSocketAddress server : new InetSocketAddress[] {loop.address(), jdk.address()}) {
        int port;
        try (Socket s = new Socket(server.getAddress(), server.getPort())) {
          port = s.getLocalPort();
          s.getOutputStream().write(empty);
          Wire.Seen seen = Wire.readUntilEof(s, 700);
          if (Hostile.JDK25) {
            // JDK 25 refuses a zero-length handshake fragment at once (RFC 8446 5.1 forbids them).
            assertTrue(seen.eof(), server + ": " + seen);
            assertEquals("[alert(level 2, unexpected_message)]", seen.plainAlerts().toString());
          } else {
            assertFalse(seen.eof(), server + ": " + seen);
            assertTrue(seen.records().isEmpty(), server + ": " + seen);
          }
        }
        if (server.equals(loop.address())) {
          LoopServer.Ended e = Hostile.assertFailedAndLoggedOnce(loop, port);
          if (!Hostile.JDK25) {
            assertTrue(e.failure().getMessage().contains("EOF"), e.failure().toString());
          }
        }
      }
      healthy.finish();
    }
  }

  /** Behind a ClientHello, a zero-length handshake record: TLS 1.3 decrypts it and fails. */
  @Test
  void aZeroLengthHandshakeRecordBehindAClientHelloTls13() throws Exception {
    expectAlert(
        "TLSv1.3",
        p -> Wire.concat(p.clientHello(), Wire.record(Wire.HANDSHAKE, Wire.TLS12, new byte[0])),
        "handshake_failure",
        "handshake_failure");
  }

  /** TLS 1.2 takes the empty fragment as "no handshake bytes yet": the flight, then silence. */
  @Test
  void aZeroLengthHandshakeRecordBehindAClientHelloTls12() throws Exception {
    for (InetSocketAddress server : new InetSocketAddress[] {loop.address(), jdk.address()}) {
      HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), "TLSv1.2");
      try (Socket s = new Socket(server.getAddress(), server.getPort())) {
        s.getOutputStream()
            .write(
                Wire.concat(
                    probe.clientHello(), Wire.record(Wire.HANDSHAKE, Wire.TLS12, new byte[0])));
        Wire.Seen seen = Wire.readUntilEof(s, 700);
        if (Hostile.JDK25) {
          // JDK 25: the flight, then unexpected_message for the zero-length fragment, then EOF.
          assertTrue(seen.eof(), server + ": " + seen);
          assertEquals(
              "alert(level 2, unexpected_message)", seen.last().toString(), server + ": " + seen);
          assertEquals(Wire.HANDSHAKE, seen.records().get(0).type(), server + ": " + seen);
          continue;
        }
        assertFalse(seen.eof(), server + ": " + seen);
        assertTrue(seen.plainAlerts().isEmpty(), server + ": " + seen);
        HelloProbe.Verdict v = probe.alertIn(seen.records());
        assertNull(v.alert(), server + ": " + v);
        assertEquals(Wire.HANDSHAKE, seen.records().get(0).type(), server + ": " + seen);
      }
    }
  }

  // ------------------------------------------------------------------ legal but unusual records

  /**
   * A ClientHello cut into 1-byte records is legal (RFC 8446 5.1: handshake messages may be
   * fragmented at will): the handshake completes and data is echoed, on tlsloop as on SSLSocket.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aClientHelloInOneByteRecordsIsServed(String protocol) throws Exception {
    for (InetSocketAddress server : new InetSocketAddress[] {loop.address(), jdk.address()}) {
      HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), protocol);
      byte[] split = Wire.records(Wire.HANDSHAKE, Wire.TLS10, probe.clientHelloMessage(), 1);
      assertEquals(probe.clientHelloMessage().length * 6, split.length);
      assertEchoed(server, probe, split);
    }
  }

  /**
   * A ClientHello of about 20 KB (long ALPN names): the JDK client itself splits it over two
   * records, and both servers take it.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aClientHelloLargerThanOneRecordIsServed(String protocol) throws Exception {
    for (InetSocketAddress server : new InetSocketAddress[] {loop.address(), jdk.address()}) {
      HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), protocol, 20_000);
      assertTrue(probe.clientHelloRecords() >= 2, "records: " + probe.clientHelloRecords());
      assertTrue(probe.clientHelloMessage().length > 16384);
      assertEchoed(server, probe, probe.clientHello());
    }
  }

  private static void assertEchoed(InetSocketAddress server, HelloProbe probe, byte[] hello)
      throws Exception {
    byte[] msg = ("hello through " + server).getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket(server.getAddress(), server.getPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      out.write(hello);
      assertArrayEquals(msg, probe.handshakeAndEcho(s, msg), server.toString());
    }
  }

  // ------------------------------------------------------------------ alerts from the client

  /**
   * close_notify (a plaintext warning) right behind a TLS 1.2 ClientHello, then application data:
   * the JDK answers "close_notify during handshake" with its own close_notify, not a fatal alert,
   * and ignores what follows. tlsloop sends what its engine queued: the flight, then close_notify.
   */
  @Test
  void closeNotifyThenDataDuringATls12Handshake() throws Exception {
    for (InetSocketAddress server : new InetSocketAddress[] {loop.address(), jdk.address()}) {
      HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), "TLSv1.2");
      Hostile.Outcome o =
          Hostile.send(
              server,
              Wire.concat(
                  probe.clientHello(),
                  Wire.alert(Wire.WARNING, 0),
                  Wire.record(Wire.APPLICATION_DATA, Wire.TLS12, new byte[40])));
      Wire.Seen seen = o.seen();
      assertTrue(seen.eof(), server + ": " + seen);
      assertEquals(Wire.HANDSHAKE, seen.records().get(0).type(), server + ": " + seen);
      assertArrayEquals(new byte[] {Wire.WARNING, 0}, seen.last().fragment(), server + ": " + seen);
      assertEquals(Wire.ALERT, seen.last().type(), server + ": " + seen);
      if (server.equals(loop.address())) {
        LoopServer.Ended e = Hostile.assertFailedAndLoggedOnce(loop, o.localPort());
        assertEquals(TlsState.FAILED, e.state());
      }
    }
  }

  /** The same in TLS 1.3: the plaintext alert fails decryption under the handshake keys. */
  @Test
  void closeNotifyThenDataDuringATls13Handshake() throws Exception {
    expectAlert(
        "TLSv1.3",
        p ->
            Wire.concat(
                p.clientHello(),
                Wire.alert(Wire.WARNING, 0),
                Wire.record(Wire.APPLICATION_DATA, Wire.TLS12, new byte[40])),
        // JDK 25 refuses the plaintext alert during the handshake before decrypting anything.
        Hostile.byJdk("handshake_failure", "unexpected_message"),
        Hostile.byJdk("handshake_failure", "unexpected_message"));
  }
}
