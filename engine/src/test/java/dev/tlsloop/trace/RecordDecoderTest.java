package dev.tlsloop.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.testkit.TestPki;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder over bytes captured from real handshakes, fed whole, one byte at a time, in random
 * chunks and from a direct buffer at an offset: always the same records. Then synthetic records for
 * what a JDK-to-JDK handshake never shows, and garbage, which must never throw.
 */
class RecordDecoderTest {
  private static byte[] client13;
  private static byte[] server13;
  private static byte[] client12;
  private static byte[] server12;

  @BeforeAll
  static void capture() throws Exception {
    TestPki pki = TestPki.create();
    var id = pki.issue("localhost");
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      TracedPair p =
          new TracedPair(
              TlsConfig.client("localhost", 443).sslContext(pki.clientContext()).build(),
              TlsConfig.server(pki.serverContext(id)).protocols(protocol).build());
      p.handshake().exchange().close();
      if (protocol.equals("TLSv1.3")) {
        client13 = p.clientWrote.toByteArray();
        server13 = p.serverWrote.toByteArray();
      } else {
        client12 = p.clientWrote.toByteArray();
        server12 = p.serverWrote.toByteArray();
      }
    }
  }

  private static byte[] captured(String which) {
    switch (which) {
      case "client13":
        return client13;
      case "server13":
        return server13;
      case "client12":
        return client12;
      default:
        return server12;
    }
  }

  // ------------------------------------------------------------------ chunking

  @ParameterizedTest
  @ValueSource(strings = {"client13", "server13", "client12", "server12"})
  void oneByteAtATimeGivesTheSameRecordsAsAllAtOnce(String which) {
    byte[] wire = captured(which);
    List<String> whole = decode(wire, wire.length);
    assertEquals(whole, decode(wire, 1));
    assertFalse(whole.isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"client13", "server13", "client12", "server12"})
  void randomChunksGiveTheSameRecords(String which) {
    byte[] wire = captured(which);
    List<String> whole = decode(wire, wire.length);
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int round = 0; round < 20; round++) {
      RecordDecoder d = new RecordDecoder("x");
      List<String> got = new ArrayList<>();
      ByteBuffer b = ByteBuffer.wrap(wire);
      int p = 0;
      while (p < wire.length) {
        int n = Math.min(wire.length - p, 1 + random.nextInt(300));
        d.feed(b, p, n, r -> got.add(r.toString()));
        p += n;
      }
      assertEquals(whole, got, "seed " + seed);
    }
  }

  @Test
  void absoluteIndexesInADirectBufferAreHonouredAndItsPositionUntouched() {
    byte[] wire = server13;
    ByteBuffer direct = ByteBuffer.allocateDirect(wire.length + 100);
    direct.position(37);
    direct.put(wire);
    direct.position(3).limit(wire.length + 40);
    List<String> got = new ArrayList<>();
    RecordDecoder d = new RecordDecoder("x");
    d.feed(direct, 37, wire.length, r -> got.add(r.toString()));
    assertEquals(decode(wire, wire.length), got);
    assertEquals(3, direct.position());
    assertEquals(wire.length + 40, direct.limit());
  }

  @ParameterizedTest
  @ValueSource(strings = {"client13", "server13", "client12", "server12"})
  void countsRecordsAndBytesAndTheRecordsCoverTheStream(String which) {
    byte[] wire = captured(which);
    RecordDecoder d = new RecordDecoder("x");
    List<TlsRecord> records = new ArrayList<>();
    d.feed(ByteBuffer.wrap(wire), 0, wire.length, records::add);
    assertEquals(wire.length, d.bytes());
    assertEquals(records.size(), d.records());
    assertEquals(wire.length, records.stream().mapToInt(TlsRecord::wireLength).sum());
    assertTrue(records.stream().allMatch(TlsRecord::isTls));
  }

  // ------------------------------------------------------------------ what real bytes say

  @Test
  void tls13ServerSendsServerHelloThenCompatibilityCcsThenEncryptedRecords() {
    List<TlsRecord> r = records(server13);
    assertEquals("handshake", r.get(0).contentTypeName());
    assertEquals(List.of("ServerHello"), r.get(0).handshakeMessages());
    assertFalse(r.get(0).encrypted());
    assertTrue(r.get(0).details().contains("version=TLS 1.3 (0x0304) (supported_versions)"));
    assertEquals("change_cipher_spec", r.get(1).contentTypeName());
    for (TlsRecord rec : r.subList(2, r.size())) {
      // RFC 8446 section 5.2: every protected record has outer type application_data and
      // legacy version 0x0303.
      assertEquals("application_data", rec.contentTypeName());
      assertEquals("TLS 1.2 (0x0303)", rec.legacyVersionName());
      assertTrue(rec.encrypted());
      assertTrue(rec.handshakeMessages().isEmpty());
    }
  }

  @Test
  void clientHelloShowsSniVersionsSuitesAndKeyShares() {
    TlsRecord hello = records(client13).get(0);
    assertEquals(List.of("ClientHello"), hello.handshakeMessages());
    String details = String.join(" | ", hello.details());
    assertTrue(details.contains("SNI=localhost"), details);
    assertTrue(details.contains("versions offered=[TLS 1.3, TLS 1.2]"), details);
    assertTrue(details.contains("TLS_AES_"), details);
    assertTrue(details.contains("session id 32 B"), details);
    assertTrue(details.contains("key_share=[x25519"), details);
  }

  @Test
  void tls12ServerFlightAndEncryptedFinished() {
    List<TlsRecord> r = records(server12);
    List<String> messages =
        r.stream().flatMap(x -> x.handshakeMessages().stream()).collect(Collectors.toList());
    assertEquals(
        List.of(
            "ServerHello",
            "Certificate",
            "ServerKeyExchange",
            "ServerHelloDone",
            "NewSessionTicket",
            "Finished"),
        messages);
    TlsRecord finished =
        r.stream().filter(x -> x.handshakeMessages().contains("Finished")).findFirst().get();
    assertTrue(finished.encrypted());
    assertEquals("handshake", finished.contentTypeName());
    TlsRecord last = r.get(r.size() - 1);
    assertEquals("alert", last.contentTypeName()); // close_notify, encrypted
    assertTrue(last.encrypted());
  }

  // ------------------------------------------------------------------ synthetic records

  @Test
  void aHandshakeMessageSpanningTwoRecordsIsNamedWhereItEnds() {
    TlsRecord hello = records(client13).get(0);
    byte[] fragment = fragmentOf(client13, hello.length());
    int half = fragment.length / 2;
    byte[] twoRecords =
        concat(
            record(22, 0x0303, slice(fragment, 0, half)),
            record(22, 0x0303, slice(fragment, half, fragment.length)));
    List<TlsRecord> r = records(twoRecords);
    assertEquals(2, r.size());
    assertEquals(List.of(), r.get(0).handshakeMessages());
    assertTrue(r.get(0).details().get(0).startsWith("continues in the next record: ClientHello"));
    assertEquals(List.of("ClientHello"), r.get(1).handshakeMessages());
    assertTrue(r.get(1).details().contains("SNI=localhost"));
  }

  @Test
  void helloRetryRequestIsAServerHelloWithTheSpecialRandomAndLaterHellosStayPlaintext() {
    byte[] hrrRandom = {
      (byte) 0xcf,
      0x21,
      (byte) 0xad,
      0x74,
      (byte) 0xe5,
      (byte) 0x9a,
      0x61,
      0x11,
      (byte) 0xbe,
      0x1d,
      (byte) 0x8c,
      0x02,
      0x1e,
      0x65,
      (byte) 0xb8,
      (byte) 0x91,
      (byte) 0xc2,
      (byte) 0xa2,
      0x11,
      0x16,
      0x7a,
      (byte) 0xbb,
      (byte) 0x8c,
      0x5e,
      0x07,
      (byte) 0x9e,
      0x09,
      (byte) 0xe2,
      (byte) 0xc8,
      (byte) 0xa8,
      0x33,
      (byte) 0x9c
    };
    byte[] extensions = bytes(0, 43, 0, 2, 3, 4, 0, 51, 0, 2, 0, 0x17);
    byte[] hrr = serverHello(hrrRandom, extensions);
    byte[] retried = serverHello(new byte[32], bytes(0, 43, 0, 2, 3, 4));
    byte[] wire =
        concat(
            record(22, 0x0303, handshake(2, hrr)),
            record(20, 0x0303, bytes(1)),
            record(22, 0x0303, handshake(2, retried)));
    List<TlsRecord> r = records(wire);
    assertEquals(List.of("HelloRetryRequest"), r.get(0).handshakeMessages());
    assertTrue(
        r.get(0).details().get(0).contains("asks for a key_share in secp256r1"),
        r.get(0).details().toString());
    // After an HRR the CCS is only for middleboxes: the second ServerHello is still readable.
    assertFalse(r.get(2).encrypted());
    assertEquals(List.of("ServerHello"), r.get(2).handshakeMessages());
  }

  @Test
  void tls12ServerChangingCiphersWithoutServerHelloDoneIsResuming() {
    // RFC 5077 ticket resumption may use an empty session id: no echo to compare, but the
    // abbreviated flight (RFC 5246 7.3) gives it away.
    byte[] hello = serverHello(new byte[32], new byte[0]);
    RecordDecoder d = new RecordDecoder("server->client");
    List<TlsRecord> r = new ArrayList<>();
    byte[] wire = concat(record(22, 0x0303, handshake(2, hello)), record(20, 0x0303, bytes(1)));
    d.feed(ByteBuffer.wrap(wire), 0, wire.length, r::add);
    assertTrue(d.resumed());
    assertTrue(r.get(1).details().get(0).contains("abbreviated handshake"), r.toString());

    RecordDecoder full = new RecordDecoder("server->client");
    byte[] fullWire =
        concat(
            record(22, 0x0303, concat(handshake(2, hello), handshake(14, new byte[0]))),
            record(20, 0x0303, bytes(1)));
    full.feed(ByteBuffer.wrap(fullWire), 0, fullWire.length, x -> {});
    assertFalse(full.resumed());
  }

  @Test
  void plaintextAlertShowsLevelAndDescription() {
    TlsRecord alert = records(record(21, 0x0303, bytes(2, 40))).get(0);
    assertEquals("alert", alert.contentTypeName());
    assertEquals(List.of("fatal handshake_failure"), alert.details());
  }

  @Test
  void malformedHandshakeBodyIsReportedNotThrown() {
    byte[] truncatedHello = handshake(1, bytes(3, 3, 1, 2, 3));
    TlsRecord r = records(record(22, 0x0301, truncatedHello)).get(0);
    assertEquals(List.of("ClientHello"), r.handshakeMessages());
    assertTrue(r.details().get(0).startsWith("malformed ClientHello"), r.details().toString());
  }

  @Test
  void emptyRecordsAndUnknownHandshakeTypesAreHarmless() {
    byte[] wire =
        concat(record(22, 0x0303, new byte[0]), record(22, 0x0303, handshake(99, bytes(1))));
    List<TlsRecord> r = records(wire);
    assertEquals(2, r.size());
    assertEquals(List.of("handshake_type(99)"), r.get(1).handshakeMessages());
  }

  // ------------------------------------------------------------------ garbage

  @Test
  void httpIsNotTlsAndStopsTheDirection() {
    byte[] http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    RecordDecoder d = new RecordDecoder("in");
    List<TlsRecord> r = new ArrayList<>();
    d.feed(ByteBuffer.wrap(http), 0, http.length, r::add);
    d.feed(ByteBuffer.wrap(server13), 0, server13.length, r::add); // ignored from now on
    assertEquals(1, r.size());
    assertFalse(r.get(0).isTls());
    assertEquals("not TLS", r.get(0).contentTypeName());
    assertTrue(r.get(0).details().get(0).startsWith("not TLS: first byte 0x47"));
    assertTrue(r.get(0).details().get(1).startsWith("looks like text: \"GET / HTTP/1.1\\r\\n"));
    assertEquals(0, d.records());
    assertEquals(http.length + server13.length, d.bytes());
  }

  @Test
  void oversizedLengthAndWrongVersionAreNotTls() {
    assertFalse(records(bytes(23, 3, 3, 0x50, 0)).get(0).isTls());
    assertFalse(records(bytes(22, 0x47, 0x45, 0, 1, 0)).get(0).isTls());
  }

  @Test
  void randomGarbageNeverThrows() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int round = 0; round < 2000; round++) {
      byte[] junk = new byte[random.nextInt(200)];
      random.nextBytes(junk);
      if (round % 2 == 0 && junk.length >= 5) {
        // Half the rounds get a plausible header so the body parsers see the junk too.
        junk[0] = (byte) (20 + random.nextInt(5));
        junk[1] = 3;
        junk[2] = (byte) random.nextInt(5);
        junk[3] = 0;
        junk[4] = (byte) Math.min(junk.length - 5, 255);
        if (junk.length > 5) {
          junk[5] = (byte) random.nextInt(25);
        }
      }
      RecordDecoder d = new RecordDecoder("junk");
      int p = 0;
      while (p < junk.length) {
        int n = Math.min(junk.length - p, 1 + random.nextInt(20));
        d.feed(ByteBuffer.wrap(junk), p, n, r -> r.toString());
        p += n;
      }
      assertEquals(junk.length, d.bytes(), "seed " + seed);
    }
  }

  @Test
  void mutatedRealHandshakesNeverThrow() {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (byte[] wire : List.of(client13, server12, client12)) {
      for (int round = 0; round < 300; round++) {
        byte[] m = wire.clone();
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          m[random.nextInt(Math.min(m.length, 400))] = (byte) random.nextInt(256);
        }
        RecordDecoder d = new RecordDecoder("m");
        d.feed(ByteBuffer.wrap(m), 0, m.length, r -> r.toString());
        assertEquals(m.length, d.bytes(), "seed " + seed);
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static List<String> decode(byte[] wire, int chunk) {
    RecordDecoder d = new RecordDecoder("x");
    List<String> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(wire);
    for (int p = 0; p < wire.length; p += chunk) {
      d.feed(b, p, Math.min(chunk, wire.length - p), r -> out.add(r.toString()));
    }
    return out;
  }

  private static List<TlsRecord> records(byte[] wire) {
    List<TlsRecord> out = new ArrayList<>();
    new RecordDecoder("x").feed(ByteBuffer.wrap(wire), 0, wire.length, out::add);
    return out;
  }

  private static byte[] fragmentOf(byte[] wire, int length) {
    return slice(wire, 5, 5 + length);
  }

  private static byte[] serverHello(byte[] random, byte[] extensions) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(bytes(3, 3));
    b.writeBytes(random);
    b.writeBytes(bytes(0, 0x13, 0x01, 0)); // empty session id, TLS_AES_128_GCM_SHA256, null
    b.writeBytes(bytes(extensions.length >> 8, extensions.length & 0xff));
    b.writeBytes(extensions);
    return b.toByteArray();
  }

  private static byte[] handshake(int type, byte[] body) {
    return concat(
        bytes(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
  }

  private static byte[] record(int type, int version, byte[] fragment) {
    return concat(
        bytes(type, version >> 8, version & 0xff, fragment.length >> 8, fragment.length & 0xff),
        fragment);
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, to);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
