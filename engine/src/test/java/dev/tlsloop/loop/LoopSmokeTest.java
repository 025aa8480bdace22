package dev.tlsloop.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

class LoopSmokeTest {
  @Test
  void anSslSocketClientGetsItsBytesEchoedAndACleanClose() throws Exception {
    LoopFixture f = new LoopFixture();
    try (TlsLoopGroup g = LoopFixture.group(1)) {
      InetSocketAddress at =
          g.listen(
              f.server().build(), new InetSocketAddress("127.0.0.1", 0), LoopFixture.Echo::new);
      for (String p : new String[] {"TLSv1.3", "TLSv1.2"}) {
        try (SSLSocket s = f.sslSocket(at, p)) {
          byte[] data = LoopFixture.payload(300_000);
          assertArrayEquals(data, LoopFixture.echoOver(s, data));
        }
      }
      LoopStats st = g.stats();
      assertEquals(2, st.handshakesDone());
    }
  }
}
