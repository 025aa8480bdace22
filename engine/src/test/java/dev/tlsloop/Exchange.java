package dev.tlsloop;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One exchange over a {@link Loopback} pair: handshake, the client sends "hi", the server answers
 * "ok", both close. The client reads the answer so that a TLS 1.3 client also takes the server's
 * NewSessionTicket, which a later connection needs to resume.
 */
final class Exchange {
  final TlsChannel client;
  final Exception clientFailure;
  final TlsChannel server;
  final Exception serverFailure;

  private Exchange(TlsChannel client, Exception cf, TlsChannel server, Exception sf) {
    this.client = client;
    this.clientFailure = cf;
    this.server = server;
    this.serverFailure = sf;
  }

  static Exchange run(Loopback lo, TlsConfig client, TlsConfig server, ExecutorService threads)
      throws Exception {
    TlsChannel s = server.newChannel(lo.server);
    s.setTimeout(Duration.ofSeconds(20));
    Future<Exception> srv =
        threads.submit(
            () -> {
              try {
                s.handshake();
                // TLS 1.3: a rejected server certificate arrives as an alert here
                readExactly(s, 2);
                s.write(ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
                s.close();
                return null;
              } catch (Exception e) {
                return e;
              }
            });
    TlsChannel c = client.newChannel(lo.client);
    c.setTimeout(Duration.ofSeconds(20));
    Exception clientFailure = null;
    try {
      c.handshake();
      c.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.US_ASCII)));
      readExactly(c, 2);
      c.close();
    } catch (Exception e) {
      clientFailure = e;
    }
    Exception serverFailure = srv.get(30, TimeUnit.SECONDS);
    return new Exchange(c, clientFailure, s, serverFailure);
  }

  private static void readExactly(TlsChannel ch, int n) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new EOFException("stream ended after " + b.position() + " bytes");
      }
    }
  }
}
