package dev.tlsloop.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClientHelloSnifferTest {

  static Stream<Arguments> hellos() throws Exception {
    return Stream.of(
        Arguments.of("TLS 1.3 with SNI", Hellos.jdk("TLSv1.3", "a.test", false), "a.test"),
        Arguments.of("TLS 1.2 with SNI", Hellos.jdk("TLSv1.2", "b.test", false), "b.test"),
        Arguments.of("TLS 1.3 without SNI", Hellos.jdk("TLSv1.3", null, false), null),
        Arguments.of("TLS 1.2 without SNI", Hellos.jdk("TLSv1.2", null, false), null),
        Arguments.of(
            "TLS 1.3, ALPN, every suite",
            Hellos.jdk("TLSv1.3", "www.example.com", true, "h2", "http/1.1"),
            "www.example.com"),
        Arguments.of(
            "TLS 1.2, ALPN, every suite",
            Hellos.jdk("TLSv1.2", "x.example.org", true, "h2"),
            "x.example.org"),
        Arguments.of(
            "TLS 1.3 with 40 KiB of padding over 3 records",
            Hellos.reframe(
                Hellos.withPadding(
                    Hellos.handshake(Hellos.jdk("TLSv1.3", "big.test", false)), 40_000),
                RecordHeader.MAX_PLAINTEXT,
                new Random(1)),
            "big.test"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hellos")
  void aWholeHelloGivesItsServerName(String label, byte[] hello, String name) throws Exception {
    ClientHelloSniffer s = new ClientHelloSniffer();
    assertTrue(s.feed(hello, 0, hello.length));
    assertEquals(name, s.serverName());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hellos")
  void aHelloFedOneByteAtATimeIsDoneAtItsLastByte(String label, byte[] hello, String name)
      throws Exception {
    ClientHelloSniffer s = new ClientHelloSniffer();
    for (int i = 0; i < hello.length - 1; i++) {
      assertFalse(s.feed(hello, i, 1), "done early, at byte " + i);
    }
    assertTrue(s.feed(hello, hello.length - 1, 1));
    assertEquals(name, s.serverName());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hellos")
  void aHelloInRandomPiecesAndReframedRecordsGivesTheSameName(
      String label, byte[] hello, String name) throws Exception {
    Random r = new Random(42);
    for (int round = 0; round < 50; round++) {
      // Small records for small hellos; a big one in small records would pass the limit.
      int max = hello.length > 4000 ? RecordHeader.MAX_PLAINTEXT : 1 + r.nextInt(600);
      byte[] wire = Hellos.reframe(Hellos.handshake(hello), max, r);
      ClientHelloSniffer s = new ClientHelloSniffer();
      boolean done = false;
      for (int p = 0; p < wire.length; ) {
        int n = Math.min(wire.length - p, 1 + r.nextInt(700));
        assertFalse(done, "done before the last piece");
        done = s.feed(wire, p, n);
        p += n;
      }
      assertTrue(done);
      assertEquals(name, s.serverName());
      assertTrue(s.bufferSize() <= ClientHelloSniffer.MAX_WIRE_BYTES);
    }
  }

  @Test
  void everyTruncationNeedsMoreAndNeverThrows() throws Exception {
    byte[] hello =
        Hellos.reframe(
            Hellos.handshake(Hellos.jdk("TLSv1.3", "a.test", false)), 100, new Random(7));
    for (int len = 0; len < hello.length; len++) {
      ClientHelloSniffer s = new ClientHelloSniffer();
      assertFalse(s.feed(hello, 0, len), "done with only " + len + " bytes");
      assertNull(s.serverName());
    }
  }

  @Test
  void upperCaseNamesComeOutLowerCase() throws Exception {
    byte[] hello = Hellos.jdk("TLSv1.3", "mixed.test", false);
    byte[] name = "mixed.test".getBytes(StandardCharsets.US_ASCII);
    int at = indexOf(hello, name);
    System.arraycopy("MiXeD.TEST".getBytes(StandardCharsets.US_ASCII), 0, hello, at, name.length);
    ClientHelloSniffer s = new ClientHelloSniffer();
    assertTrue(s.feed(hello, 0, hello.length));
    assertEquals("mixed.test", s.serverName());
  }

  @Test
  void anHttpRequestIsUnexpectedMessageAtItsFirstByte() {
    byte[] http = "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    HelloRejected e = rejected(http);
    assertEquals(HelloRejected.UNEXPECTED_MESSAGE, e.alert());
    assertTrue(e.getMessage().contains("0x47"), e.getMessage());
  }

  @Test
  void anSsl2CompatibleHelloIsProtocolVersion() {
    byte[] v2 = {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01};
    assertEquals(HelloRejected.PROTOCOL_VERSION, rejected(v2).alert());
  }

  @Test
  void aRecordOver2To14IsRecordOverflow() {
    byte[] rec = {22, 3, 3, 0x40, 0x01};
    assertEquals(HelloRejected.RECORD_OVERFLOW, rejected(rec).alert());
  }

  @Test
  void anAlertRecordFirstIsUnexpectedMessage() {
    assertEquals(HelloRejected.UNEXPECTED_MESSAGE, rejected(new byte[] {21, 3, 3, 0, 2}).alert());
  }

  @Test
  void aServerHelloFirstIsUnexpectedMessage() {
    byte[] rec = {22, 3, 3, 0, 4, 2, 0, 0, 0};
    assertEquals(HelloRejected.UNEXPECTED_MESSAGE, rejected(rec).alert());
  }

  @Test
  void aServerNameListLongerThanItsExtensionIsDecodeError() throws Exception {
    byte[] hello = Hellos.jdk("TLSv1.3", "a.test", false);
    int at = indexOf(hello, "a.test".getBytes(StandardCharsets.US_ASCII));
    // Layout before the name: list length(2), name_type(1), name length(2).
    hello[at - 5] = (byte) 0x7f;
    HelloRejected e = rejected(hello);
    assertEquals(HelloRejected.DECODE_ERROR, e.alert());
  }

  @Test
  void aHostNameWithAControlByteIsIllegalParameter() throws Exception {
    byte[] hello = Hellos.jdk("TLSv1.3", "a.test", false);
    int at = indexOf(hello, "a.test".getBytes(StandardCharsets.US_ASCII));
    hello[at + 1] = 0;
    assertEquals(HelloRejected.ILLEGAL_PARAMETER, rejected(hello).alert());
  }

  @Test
  void aHelloAnnouncingMoreThanTheLimitIsRefusedAtItsHeader() {
    byte[] rec = {22, 3, 3, 0, 4, 1, 0x01, 0x00, 0x00};
    HelloRejected e = rejected(rec);
    assertEquals(HelloRejected.ILLEGAL_PARAMETER, e.alert());
  }

  @Test
  void aHelloOverTheLimitAcrossRecordsIsRefusedWithoutGrowingPastIt() throws Exception {
    byte[] big =
        Hellos.withPadding(Hellos.handshake(Hellos.jdk("TLSv1.3", "a.test", false)), 62_000);
    byte[] wire = Hellos.reframe(big, 100, new Random(3));
    assertTrue(
        big.length < ClientHelloSniffer.MAX_WIRE_BYTES
            && wire.length > ClientHelloSniffer.MAX_WIRE_BYTES);
    ClientHelloSniffer s = new ClientHelloSniffer();
    HelloRejected e =
        assertThrows(
            HelloRejected.class,
            () -> {
              for (int p = 0; p < wire.length; p += 512) {
                s.feed(wire, p, Math.min(512, wire.length - p));
              }
            });
    assertEquals(HelloRejected.ILLEGAL_PARAMETER, e.alert());
    assertTrue(s.bufferSize() <= ClientHelloSniffer.MAX_WIRE_BYTES, "" + s.bufferSize());
  }

  @Test
  void manyTinyRecordsCountTheirHeadersAgainstTheLimit() throws Exception {
    // 12,000 bytes of hello in 1-byte records are 72,000 bytes on the wire: over the limit.
    byte[] hello =
        Hellos.withPadding(Hellos.handshake(Hellos.jdk("TLSv1.3", "a.test", false)), 11_000);
    byte[] wire = Hellos.reframe(hello, 1, new Random(0));
    assertEquals(HelloRejected.ILLEGAL_PARAMETER, rejected(wire).alert());
  }

  @Test
  void theAlertRecordIsAFatalPlaintextAlert() {
    byte[] rec = new HelloRejected(HelloRejected.UNRECOGNIZED_NAME, "x").alertRecord();
    assertEquals(List.of(21, 3, 3, 0, 2, 2, 112), toList(rec));
  }

  private static HelloRejected rejected(byte[] wire) {
    return assertThrows(
        HelloRejected.class, () -> new ClientHelloSniffer().feed(wire, 0, wire.length));
  }

  private static List<Integer> toList(byte[] b) {
    Integer[] out = new Integer[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[i] & 0xff;
    }
    return Arrays.asList(out);
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
