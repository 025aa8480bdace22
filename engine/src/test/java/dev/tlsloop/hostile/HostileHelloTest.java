package dev.tlsloop.hostile;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 9: a real ClientHello followed, in the same TCP write, by a record the server must reject.
 * The server answers the ClientHello with its flight into netOut and fails on the next record of
 * the same read; the alert has to go out behind the flight, before the socket closes. Each case is
 * also sent to a JDK {@code SSLServerSocket}: the alert it sends is the reference.
 */
class HostileHelloTest extends TwoServers {
  /** What follows the ClientHello, and the alert the JDK answers it with, per protocol. */
  enum Tail {
    TWO_CHANGE_CIPHER_SPECS("unexpected_message", "unexpected_message"),
    ONE_RECORD_TWO_CCS_BYTES("unexpected_message", "unexpected_message"),
    // TLS 1.3: after the ServerHello the JDK decrypts every non-CCS record with the handshake
    // keys; a 6-byte fragment is shorter than the AEAD tag (SSLHandshakeException).
    HEARTBEAT("handshake_failure", "unexpected_message"),
    UNKNOWN_CONTENT_TYPE("handshake_failure", "unexpected_message"),
    // TLS 1.2: the JDK takes an unknown level for fatal: it received a fatal alert, sends none.
    // TLS 1.3: JDK 25 refuses the plaintext alert itself (unexpected_message) before decrypting.
    ALERT_OF_UNKNOWN_LEVEL(Hostile.byJdk("handshake_failure", "unexpected_message"), null),
    APPLICATION_DATA("bad_record_mac", "unexpected_message"),
    SECOND_CLIENT_HELLO("bad_record_mac", "unexpected_message");

    final String tls13;
    final String tls12;

    Tail(String tls13, String tls12) {
      this.tls13 = tls13;
      this.tls12 = tls12;
    }

    byte[] bytes(String protocol) throws Exception {
      switch (this) {
        case TWO_CHANGE_CIPHER_SPECS:
          byte[] ccs = Wire.record(Wire.CHANGE_CIPHER_SPEC, Wire.TLS12, new byte[] {1});
          return Wire.concat(ccs, ccs);
        case ONE_RECORD_TWO_CCS_BYTES:
          return Wire.record(Wire.CHANGE_CIPHER_SPEC, Wire.TLS12, new byte[] {1, 1});
        case HEARTBEAT:
          // A heartbeat_request (RFC 6520): type 1, payload length 3, payload; no padding.
          return Wire.record(Wire.HEARTBEAT, Wire.TLS12, new byte[] {1, 0, 3, 'a', 'b', 'c'});
        case UNKNOWN_CONTENT_TYPE:
          return Wire.record(99, Wire.TLS12, new byte[] {1, 2, 3});
        case ALERT_OF_UNKNOWN_LEVEL:
          return Wire.alert(3, 10);
        case APPLICATION_DATA:
          return Wire.record(Wire.APPLICATION_DATA, Wire.TLS12, new byte[40]);
        case SECOND_CLIENT_HELLO:
          return new HelloProbe(Hostile.freshClientContext(), protocol).clientHello();
        default:
          throw new AssertionError(this);
      }
    }
  }

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
      for (Tail t : Tail.values()) {
        out.add(Arguments.of(protocol, t));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} ClientHello + {1}")
  @MethodSource("cases")
  void theAlertFollowsTheFlightThenEof(String protocol, Tail tail) throws Exception {
    String expected = protocol.equals("TLSv1.3") ? tail.tls13 : tail.tls12;
    try (Neighbour healthy =
        new Neighbour(Hostile.clientConfig(protocol), loop.address(), 256 * 1024, tail.ordinal())) {
      HelloProbe probe = new HelloProbe(Hostile.freshClientContext(), protocol);
      Hostile.Outcome o =
          Hostile.send(loop.address(), Wire.concat(probe.clientHello(), tail.bytes(protocol)));
      Hostile.assertAlertThenEof("tlsloop", o.seen(), probe.alertIn(o.seen().records()), expected);
      Hostile.assertFailedAndLoggedOnce(loop, o.localPort());

      HelloProbe ref = new HelloProbe(Hostile.freshClientContext(), protocol);
      Hostile.Outcome r =
          Hostile.send(jdk.address(), Wire.concat(ref.clientHello(), tail.bytes(protocol)));
      Hostile.assertAlertThenEof(
          "SSLServerSocket", r.seen(), ref.alertIn(r.seen().records()), expected);

      healthy.finish();
    }
  }
}
