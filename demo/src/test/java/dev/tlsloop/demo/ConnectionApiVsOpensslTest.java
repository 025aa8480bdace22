package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connection API against {@code openssl s_server -rev} (it answers each line reversed): a
 * KeyUpdate we request ({@code requestKeyUpdate()}) and resumption as {@code isResumed()} reports
 * it, on blocking sockets without the demo's command line.
 */
class ConnectionApiVsOpensslTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir static Path dir;
  static Pem pem;

  @BeforeAll
  static void certificates() throws Exception {
    ExternalProcess.require("openssl");
    pem = Pem.localhost(dir);
  }

  private static ExternalProcess sServer(int connections, String... extra) throws Exception {
    List<String> options = new ArrayList<>(List.of("-rev"));
    options.addAll(List.of(extra));
    return pem.sServer(connections, options);
  }

  private static TlsConfig.Builder client(int port) throws Exception {
    return TlsConfig.client("localhost", port).trust(DemoPki.readPemTrustStore(pem.ca));
  }

  /** Sends a line and reads s_server's reversed answer. */
  private static void roundTrip(TlsConnection c, String line) throws IOException {
    ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
    while (out.hasRemaining()) {
      c.write(out);
    }
    String expected = new StringBuilder(line).reverse() + "\n";
    ByteBuffer in = ByteBuffer.allocate(4096);
    while (in.position() < expected.length()) {
      if (c.read(in) < 0) {
        throw new IOException("s_server closed early");
      }
    }
    assertEquals(expected, new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
  }

  private static int count(String s, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(s);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  @Test
  void requestKeyUpdateIsReceivedAndAnsweredByOpenssl() throws Exception {
    try (ExternalProcess s = sServer(1, "-tls1_3", "-msg")) {
      int port = s.acceptPort();
      TlsConfig config = client(port).build();
      try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
          TlsConnection c = config.newConnection(ch)) {
        roundTrip(c, "before");
        for (int i = 0; i < 3; i++) {
          assertEquals(TlsNeed.NOTHING, c.requestKeyUpdate());
          roundTrip(c, "after " + i); // read with the server's new key: it answered
        }
        assertEquals("TLSv1.3", c.protocol());
        assertFalse(c.isResumed());
        c.shutdownOutput();
      }
      s.waitFor(WAIT);
      String out = s.output();
      // -msg: "<<<" is what s_server received. Ours carry update_requested (RFC 8446 4.6.3), so
      // s_server sends one back each time.
      assertEquals(3, count(out, "<<< TLS 1.3, Handshake [length 0005], KeyUpdate"), out);
      assertEquals(3, count(out, ">>> TLS 1.3, Handshake [length 0005], KeyUpdate"), out);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-tls1_3", "-tls1_2"})
  void aSecondConnectionWithTheSameConfigIsResumed(String version) throws Exception {
    try (ExternalProcess s = sServer(2, version)) {
      int port = s.acceptPort();
      TlsConfig config = client(port).build();
      boolean[] resumed = new boolean[2];
      for (int i = 0; i < 2; i++) {
        try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            TlsConnection c = config.newConnection(ch)) {
          roundTrip(c, "hello " + i); // the client also takes its TLS 1.3 ticket here
          resumed[i] = c.isResumed();
          assertEquals(version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2", c.protocol());
          c.shutdownOutput();
        }
      }
      assertFalse(resumed[0]);
      assertTrue(resumed[1]);
    }
  }
}
