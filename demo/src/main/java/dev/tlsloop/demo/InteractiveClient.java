package dev.tlsloop.demo;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.loop.CloseCause;
import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.LoopOptions;
import dev.tlsloop.loop.TlsHandler;
import dev.tlsloop.loop.TlsLoopGroup;
import dev.tlsloop.trace.TlsTrace;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@code demo client --stdin} on an event loop of the engine: the loop thread owns the connection
 * and prints what arrives; a second thread reads stdin and hands each chunk to the loop with {@link
 * LoopConnection#execute}, the thread-safe way in. EOF on stdin closes with close_notify; the
 * client ends when the connection has ended.
 *
 * <p>One chunk of stdin is in flight at a time: the stdin thread waits until the send queue has
 * taken it (after {@link #onWritable} if the queue was full), so piping a large file in holds one
 * chunk and one queue, not the file.
 */
final class InteractiveClient implements TlsHandler {
  /** How much of stdin one hand-over carries. */
  private static final int CHUNK = 8192;

  private final String host;
  private final int port;
  private final InputStream stdin;
  private final PrintStream out;
  private final PrintStream err;
  private final TlsTrace trace;

  /** Completes when the connection has ended: normally on a clean close, else with the failure. */
  private final CompletableFuture<Void> ended = new CompletableFuture<>();

  // Loop thread only.
  private byte last = '\n';
  private ByteBuffer unsent;
  private CompletableFuture<Void> unsentTaken;
  private boolean closed;

  private InteractiveClient(
      String host, int port, InputStream stdin, PrintStream out, PrintStream err, TlsTrace trace) {
    this.host = host;
    this.port = port;
    this.stdin = stdin;
    this.out = out;
    this.err = err;
    this.trace = trace;
  }

  /**
   * Connects with {@code config} and converses until the connection ends. Returns normally after
   * the server's close_notify (or its answer to ours); throws the failure otherwise. {@code
   * timeout} bounds the connect and the handshake (zero: no bound); {@code trace} (null: none) is
   * already {@code config}'s listener and is summed up at the end.
   */
  static void run(
      TlsConfig config,
      String host,
      int port,
      Duration timeout,
      InputStream stdin,
      PrintStream out,
      PrintStream err,
      TlsTrace trace)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    LoopOptions options =
        LoopOptions.builder()
            .loops(1)
            // LoopOptions wants a positive connect timeout; --timeout 0 means none at all.
            .connectTimeout(timeout.isZero() ? Duration.ofDays(365) : timeout)
            .build();
    InteractiveClient client = new InteractiveClient(host, port, stdin, out, err, trace);
    try (TlsLoopGroup loop = TlsLoopGroup.start(options)) {
      loop.connect(config, address, client)
          .whenComplete(
              (conn, e) -> {
                if (e != null) {
                  client.ended.completeExceptionally(e);
                }
              });
      client.ended.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof IOException) {
        throw (IOException) t;
      }
      if (t instanceof RuntimeException) {
        throw (RuntimeException) t;
      }
      throw new IOException(t);
    }
  }

  @Override
  public void onHandshake(LoopConnection conn) {
    DemoClient.describe(conn.tls(), host, port, err);
    Thread pump = new Thread(() -> pumpStdin(conn), "tlsloop-demo-stdin");
    pump.setDaemon(true); // a terminal's stdin may never end: it must not hold the process
    pump.start();
  }

  /** Prints what arrives; with a trace on the same stream, every chunk ends its line. */
  @Override
  public void onData(LoopConnection conn, ByteBuffer data) {
    int n = data.remaining();
    byte[] b = new byte[n];
    data.get(b);
    last = b[n - 1];
    out.write(b, 0, n);
    if (trace != null && last != '\n') {
      out.println();
      last = '\n';
    }
    out.flush();
  }

  @Override
  public void onWritable(LoopConnection conn) {
    sendUnsent(conn);
  }

  /**
   * A clean end is the server's close_notify, first or in answer to ours; a truncation after our
   * close_notify still counts as one (the engine says LOCAL_CLOSE then, but with the error).
   */
  @Override
  public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
    closed = true;
    if (unsentTaken != null) {
      unsentTaken.complete(null); // let the stdin thread go: nothing more will be sent
    }
    boolean clean =
        error == null && (cause == CloseCause.PEER_CLOSED || cause == CloseCause.LOCAL_CLOSE);
    if (clean && last != '\n') {
      out.println(); // end the reply's line, as a terminal user expects
    }
    out.flush();
    if (trace != null) {
      trace.summary(conn.tls());
      out.flush();
    }
    if (clean) {
      ended.complete(null);
    } else {
      ended.completeExceptionally(error != null ? error : new IOException("ended: " + cause));
    }
  }

  /** The stdin thread: one chunk at a time to the loop; close_notify at EOF. */
  private void pumpStdin(LoopConnection conn) {
    byte[] buf = new byte[CHUNK];
    try {
      int n;
      while (!ended.isDone() && (n = stdin.read(buf)) >= 0) {
        if (n > 0) {
          ByteBuffer chunk = ByteBuffer.wrap(Arrays.copyOf(buf, n));
          CompletableFuture<Void> taken = new CompletableFuture<>();
          conn.execute(() -> offer(conn, chunk, taken));
          taken.join();
        }
      }
    } catch (IOException e) {
      // stdin failed: end as at EOF; the connection's end reports how it went.
    }
    conn.close(); // EOF on stdin: close_notify once what was typed has gone out
  }

  /** On the loop thread: queue {@code chunk}, or hold it until the queue has room. */
  private void offer(LoopConnection conn, ByteBuffer chunk, CompletableFuture<Void> taken) {
    if (closed) {
      taken.complete(null);
      return;
    }
    unsent = chunk;
    unsentTaken = taken;
    sendUnsent(conn);
  }

  private void sendUnsent(LoopConnection conn) {
    if (unsent == null) {
      return;
    }
    boolean all;
    try {
      all = conn.send(unsent);
    } catch (IllegalStateException closing) {
      all = true; // the connection is closing (the server's close_notify came): drop the rest
    }
    if (all) {
      unsent = null;
      unsentTaken.complete(null);
      unsentTaken = null;
    }
  }
}
