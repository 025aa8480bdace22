package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tlsloop.testkit.TestPki;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The record sizes NOTES.md (sections 2 and 6) quotes, probed on two bare JDK engines (AES-256-GCM,
 * the suite both versions pick first): the session sizes before and after the handshake, what 14
 * bytes of data, a close_notify and a 16 KiB write become on the wire, and how much room unwrap
 * wants for a full record.
 */
class RecordSizesTest {
  private static final int HEADER = 5;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // protocol, app size after, 14 B record, close_notify, 16 KiB first record: taken, on the wire
    "TLSv1.3, 16676, 52, 40, 16367, 16405",
    "TLSv1.2, 16680, 43, 31, 16384, 16413"
  })
  void whatTheJdkSendsAndWhatItWantsRoomFor(
      String protocol, int appSize, int small, int closeNotify, int fullTaken, int fullWire)
      throws Exception {
    TestPki pki = TestPki.create();
    SSLContext server = pki.serverContext(pki.issue("localhost"));
    SSLEngine c = pki.clientContext().createSSLEngine("localhost", 443);
    c.setUseClientMode(true);
    c.setEnabledProtocols(new String[] {protocol});
    c.setEnabledCipherSuites(new String[] {suite(protocol)});
    SSLEngine s = server.createSSLEngine();
    s.setUseClientMode(false);
    // Before the handshake: 5 header + 16 IV + 2^14 data + 256 padding + 48 MAC, and that less 5.
    assertEquals(16709, c.getSession().getPacketBufferSize());
    assertEquals(16704, c.getSession().getApplicationBufferSize());

    handshake(c, s);
    assertEquals(16709, c.getSession().getPacketBufferSize());
    assertEquals(appSize, c.getSession().getApplicationBufferSize());

    ByteBuffer net = ByteBuffer.allocate(1 << 16);
    assertEquals(small, c.wrap(ByteBuffer.allocate(14), net).bytesProduced());
    deliver(net, s);

    SSLEngineResult first = c.wrap(ByteBuffer.allocate(16384), net);
    assertEquals(fullTaken, first.bytesConsumed());
    assertEquals(fullWire, first.bytesProduced());
    net.flip();
    int body = fullWire - HEADER;
    // unwrap wants room for the record's length less the AEAD tag (and TLS 1.2's 8-byte nonce):
    // 16,384 bytes in both versions, although a TLS 1.3 record holds 16,367 bytes of data.
    int room = body - (protocol.equals("TLSv1.3") ? 16 : 24);
    assertEquals(16384, room);
    assertEquals(Status.BUFFER_OVERFLOW, s.unwrap(net, ByteBuffer.allocate(room - 1)).getStatus());
    SSLEngineResult r = s.unwrap(net, ByteBuffer.allocate(room));
    assertEquals(Status.OK, r.getStatus());
    assertEquals(fullTaken, r.bytesProduced());
    net.compact();

    c.closeOutbound();
    assertEquals(closeNotify, c.wrap(ByteBuffer.allocate(0), net).bytesProduced());
  }

  private static String suite(String protocol) {
    return protocol.equals("TLSv1.3")
        ? "TLS_AES_256_GCM_SHA384"
        : "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
  }

  private static void deliver(ByteBuffer net, SSLEngine to) throws Exception {
    net.flip();
    while (net.hasRemaining()) {
      to.unwrap(net, ByteBuffer.allocate(1 << 16));
    }
    net.clear();
  }

  private static void handshake(SSLEngine c, SSLEngine s) throws Exception {
    ByteBuffer c2s = ByteBuffer.allocate(1 << 17);
    ByteBuffer s2c = ByteBuffer.allocate(1 << 17);
    c.beginHandshake();
    s.beginHandshake();
    for (int i = 0; i < 100 && !(done(c) && done(s)); i++) {
      step(c, c2s, s2c);
      step(s, s2c, c2s);
    }
    // Tickets and the like: let each side take what the other sent last.
    step(c, c2s, s2c);
    step(s, s2c, c2s);
    assertEquals(HandshakeStatus.NOT_HANDSHAKING, c.getHandshakeStatus());
  }

  private static boolean done(SSLEngine e) {
    return e.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
  }

  private static void step(SSLEngine e, ByteBuffer out, ByteBuffer in) throws Exception {
    ByteBuffer app = ByteBuffer.allocate(1 << 16);
    runTasks(e);
    while (e.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
      e.wrap(ByteBuffer.allocate(0), out);
      runTasks(e);
    }
    in.flip();
    while (in.hasRemaining()) {
      SSLEngineResult r = e.unwrap(in, app);
      runTasks(e);
      while (e.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
        e.wrap(ByteBuffer.allocate(0), out);
        runTasks(e);
      }
      if (r.bytesConsumed() == 0) {
        break;
      }
    }
    in.compact();
  }

  private static void runTasks(SSLEngine e) {
    Runnable t;
    while ((t = e.getDelegatedTask()) != null) {
      t.run();
    }
  }
}
