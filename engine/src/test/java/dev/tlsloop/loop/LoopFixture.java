package dev.tlsloop.loop;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** Certificates, configs and peers for the loop tests. */
final class LoopFixture {
  final TestPki pki;
  final SSLContext serverContext;
  final SSLContext clientContext;

  LoopFixture() throws GeneralSecurityException {
    pki = TestPki.create();
    serverContext = pki.serverContext(pki.issue("localhost", "127.0.0.1"));
    clientContext = pki.clientContext();
  }

  TlsConfig.Builder server(String... protocols) {
    TlsConfig.Builder b = TlsConfig.server(serverContext);
    return protocols.length > 0 ? b.protocols(protocols) : b;
  }

  TlsConfig.Builder client(int port, String... protocols) {
    TlsConfig.Builder b = TlsConfig.client("localhost", port).sslContext(clientContext);
    return protocols.length > 0 ? b.protocols(protocols) : b;
  }

  /** A JDK SSLSocket client: an independent peer. */
  SSLSocket sslSocket(InetSocketAddress at, String protocol) throws IOException {
    SSLSocket s =
        (SSLSocket) clientContext.getSocketFactory().createSocket("localhost", at.getPort());
    s.setEnabledProtocols(new String[] {protocol});
    s.setSoTimeout(20_000);
    return s;
  }

  /** Echoes everything; stops taking data while the send queue is full (backpressure). */
  static class Echo implements TlsHandler {
    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      conn.send(data); // what does not fit stays in data: reading pauses until onWritable
    }
  }

  /** Deterministic payload byte at offset i. */
  static byte payloadAt(long i) {
    return (byte) (i * 31 + (i >>> 8) * 7);
  }

  static byte[] payload(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = payloadAt(i);
    }
    return b;
  }

  /** Writes {@code data} on one thread while reading the echo on this one; returns the echo. */
  static byte[] echoOver(Socket s, byte[] data) throws Exception {
    OutputStream out = s.getOutputStream();
    InputStream in = s.getInputStream();
    Thread writer =
        new Thread(
            () -> {
              try {
                out.write(data);
                out.flush();
              } catch (IOException e) {
                // the reader sees the failure
              }
            });
    writer.start();
    byte[] got = in.readNBytes(data.length);
    writer.join(20_000);
    return got;
  }

  static TlsLoopGroup group(int loops) throws IOException {
    return TlsLoopGroup.start(LoopOptions.builder().loops(loops).build());
  }

  static final Duration WAIT = Duration.ofSeconds(30);
}
