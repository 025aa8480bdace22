package dev.tlsloop.hostile;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsState;
import dev.tlsloop.loop.CloseCause;
import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.LoopOptions;
import dev.tlsloop.loop.TlsHandler;
import dev.tlsloop.loop.TlsLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The reference server of the hostile tests: an echo on the reusable event loop ({@link
 * TlsLoopGroup}, one loop), as the demo server runs. A connection that fails is logged as one line;
 * its end state and exception are kept by the client's port so a test can find them.
 */
final class LoopServer implements AutoCloseable {
  /** How a connection ended. */
  record Ended(TlsState state, IOException failure) {}

  private final TlsLoopGroup group;
  private final InetSocketAddress address;

  /** One line per failed connection. */
  final List<String> log = Collections.synchronizedList(new ArrayList<>());

  /** Ended connections by the client's port. */
  final Map<Integer, Ended> ended = new ConcurrentHashMap<>();

  LoopServer(TlsConfig config) throws IOException {
    group = TlsLoopGroup.start(LoopOptions.builder().loops(1).build());
    address = group.listen(config, new InetSocketAddress("127.0.0.1", 0), Echo::new);
  }

  InetSocketAddress address() {
    return address;
  }

  /** Waits up to {@code millis} for the connection from {@code clientPort} to end. */
  Ended awaitEnd(int clientPort, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      Ended e = ended.get(clientPort);
      if (e != null) {
        return e;
      }
      Thread.sleep(5);
    }
    return null;
  }

  /** The log lines that name the connection from {@code clientPort}. */
  List<String> logLinesFor(int clientPort) {
    List<String> out = new ArrayList<>();
    synchronized (log) {
      for (String line : log) {
        if (line.startsWith("connection from :" + clientPort + " ")) {
          out.add(line);
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    group.close();
  }

  /** Echoes what arrives; the loop answers close_notify and logs nothing itself. */
  private final class Echo implements TlsHandler {
    /**
     * A client port the kernel reuses starts a new record: what an earlier connection left goes.
     */
    @Override
    public void onOpen(LoopConnection conn) {
      int port = ((InetSocketAddress) conn.remoteAddress()).getPort();
      ended.remove(port);
      log.removeIf(line -> line.startsWith("connection from :" + port + " "));
    }

    @Override
    public void onData(LoopConnection conn, ByteBuffer data) {
      conn.send(data);
    }

    @Override
    public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
      int port = ((InetSocketAddress) conn.remoteAddress()).getPort();
      if (error != null) {
        log.add("connection from :" + port + " failed: " + cause + ": " + error);
      }
      ended.put(port, new Ended(conn.state(), conn.tls().failure()));
    }
  }
}
