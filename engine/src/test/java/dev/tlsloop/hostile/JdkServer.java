package dev.tlsloop.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The reference: a JDK {@link SSLServerSocket} echo server on the same certificate, one thread per
 * connection. What it sends for a hostile input is what tlsloop is expected to send.
 */
final class JdkServer implements AutoCloseable {
  private final SSLServerSocket server;
  private final Thread acceptor;

  /** One line per failed connection. */
  final List<String> log = Collections.synchronizedList(new ArrayList<>());

  JdkServer(SSLContext context) throws IOException {
    this(context, false);
  }

  JdkServer(SSLContext context, boolean needClientAuth) throws IOException {
    server =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 64, InetAddress.getByName("127.0.0.1"));
    server.setNeedClientAuth(needClientAuth);
    acceptor = new Thread(this::acceptLoop, "jdk-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        SSLSocket s = (SSLSocket) server.accept();
        Thread t = new Thread(() -> echo(s), "jdk-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void echo(SSLSocket s) {
    try (s) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      log.add("connection from :" + s.getPort() + " failed: " + e);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
