package dev.tlsloop.example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsState;
import dev.tlsloop.testkit.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs {@link SelectorEcho} over loopback against a JDK {@link SSLSocket}: 100,000 bytes (several
 * full records) echoed byte for byte, then close_notify both ways. With and without a task
 * executor, so the task-completion callback path (need TASK, no interest, the callback wakes
 * select()) runs too.
 */
class SelectorEchoTest {
  private static final int PAYLOAD = 100_000;

  private static TestPki pki;
  private static SSLContext serverContext;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create("tlsloop example CA");
    serverContext = pki.serverContext(pki.issue("localhost"));
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  @ParameterizedTest(name = "{0}, tasks on an executor: {1}")
  @CsvSource({"TLSv1.3, false", "TLSv1.3, true", "TLSv1.2, false", "TLSv1.2, true"})
  void echoesEveryByteAndClosesWithCloseNotifyBothWays(String protocol, boolean executor)
      throws Exception {
    TlsConfig.Builder server = TlsConfig.server(serverContext).protocols(protocol);
    if (executor) {
      server.taskExecutor(threads);
    }
    byte[] payload = new byte[PAYLOAD];
    new Random(7).nextBytes(payload);
    try (ServerSocketChannel listener = ServerSocketChannel.open()) {
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      TlsConfig config = server.build();
      Future<TlsState> echo = threads.submit(() -> SelectorEcho.serveOne(listener, config));
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      try (SSLSocket client = connect(port, protocol)) {
        client.setSoTimeout(20_000);
        OutputStream out = client.getOutputStream();
        Future<?> writer =
            threads.submit(
                () -> {
                  // Odd-sized writes, so records and the echo's 4 KiB reads never line up.
                  for (int off = 0; off < PAYLOAD; off += 7001) {
                    out.write(payload, off, Math.min(7001, PAYLOAD - off));
                  }
                  out.flush();
                  client.shutdownOutput(); // close_notify: the echo's read() returns -1
                  return null;
                });
        byte[] echoed = readToEnd(client.getInputStream()); // -1 = the echo's close_notify
        writer.get(20, TimeUnit.SECONDS);
        assertArrayEquals(payload, echoed);
        assertEquals(protocol, client.getSession().getProtocol());
      }
      assertEquals(TlsState.CLOSED, echo.get(20, TimeUnit.SECONDS), "the echo's final state");
    }
  }

  /** A JDK client that verifies the chain and the host name, as tlsloop's defaults do. */
  private static SSLSocket connect(int port, String protocol) throws Exception {
    Socket plain = new Socket("127.0.0.1", port);
    SSLSocket s =
        (SSLSocket)
            pki.clientContext().getSocketFactory().createSocket(plain, "localhost", port, true);
    SSLParameters p = s.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    p.setProtocols(new String[] {protocol});
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  private static byte[] readToEnd(InputStream in) throws Exception {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[5000];
    int n;
    while ((n = in.read(buf)) >= 0) {
      got.write(buf, 0, n);
    }
    return got.toByteArray();
  }
}
