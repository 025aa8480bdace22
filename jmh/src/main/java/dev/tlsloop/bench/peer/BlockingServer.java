package dev.tlsloop.bench.peer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/**
 * One server thread that takes connections one at a time and sinks or echoes each until the client
 * closes it. One thread is enough: the benchmarks use one connection at a time, and a server that
 * is the same for every blocking peer keeps the rows comparable.
 */
final class BlockingServer implements Closeable {
  /** How the server accepts: returns a ready channel (TLS handshake done or started lazily). */
  interface Acceptor extends Closeable {
    ByteChannel accept() throws IOException;

    int port();
  }

  private final Acceptor acceptor;
  private final Peer.ServerMode mode;
  private final Thread thread;
  private volatile boolean closing;

  BlockingServer(String name, Acceptor acceptor, Peer.ServerMode mode) {
    this.acceptor = acceptor;
    this.mode = mode;
    this.thread = new Thread(this::run, name + "-server");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return acceptor.port();
  }

  private void run() {
    // Heap: what a server using the JDK engine is fastest with; 64 KiB holds several records.
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    while (!closing) {
      try (ByteChannel ch = acceptor.accept()) {
        serve(ch, buf);
      } catch (IOException | RuntimeException e) {
        if (!closing) {
          System.err.println(thread.getName() + ": " + e);
        }
      }
    }
  }

  private void serve(ByteChannel ch, ByteBuffer buf) throws IOException {
    while (true) {
      buf.clear();
      if (ch.read(buf) < 0) {
        return;
      }
      if (mode == Peer.ServerMode.ECHO) {
        buf.flip();
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    closing = true;
    acceptor.close();
    thread.interrupt();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
