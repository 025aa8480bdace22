package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server --http} answers a request whose lines end with a bare LF, as test tools send it
 * (RFC 9112 section 2.2), over a real TLS connection from the JDK's own client.
 */
@Timeout(60)
class HttpBareLfTest {
  @TempDir Path dir;

  @Test
  void http10WithBareLfGetsA200AndCloseNotify() throws Exception {
    try (DemoServers server = DemoServers.start(dir, "--http")) {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(server.server.trustStore());
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      try (SSLSocket s =
          (SSLSocket) ctx.getSocketFactory().createSocket("localhost", server.port())) {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // verify the name, as a browser would
        s.setSSLParameters(p);
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.0\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        // readAllBytes ends at -1: the server's close_notify (a TCP close without it throws).
        response.write(in.readAllBytes());
        String r = response.toString(StandardCharsets.UTF_8);
        assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), r);
        assertTrue(r.contains("\r\nConnection: close\r\n"), r);
        assertTrue(r.contains("<li>HTTP/1.0 over TLSv1.3, "), r);
        int bodyStart = r.indexOf("\r\n\r\n") + 4;
        String length = r.replaceAll("(?s).*\r\nContent-Length: (\\d+)\r\n.*", "$1");
        assertEquals(
            Integer.parseInt(length),
            r.substring(bodyStart).getBytes(StandardCharsets.UTF_8).length,
            "the whole body arrived before the close");
      }
    }
  }
}
