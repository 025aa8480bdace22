package dev.tlsloop.demo;

import dev.tlsloop.loop.CloseCause;
import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.TlsHandler;
import dev.tlsloop.trace.TlsTrace;
import java.io.PrintStream;
import java.nio.ByteBuffer;

/**
 * What the demo server says about each connection, around the handler that serves it: the {@code
 * --trace} of the connection (attached before its first byte, summed up at its end) and one line on
 * stderr when it failed.
 */
final class ReportingHandler implements TlsHandler {
  private final TlsHandler app;
  private final PrintStream err;
  private final TlsTrace trace;

  /** {@code trace} is null without {@code --trace}. */
  ReportingHandler(TlsHandler app, PrintStream err, TlsTrace trace) {
    this.app = app;
    this.err = err;
    this.trace = trace;
  }

  @Override
  public void onOpen(LoopConnection conn) {
    if (trace != null) {
      // onOpen comes before the loop reads or writes anything, so the trace sees every record.
      conn.tls().setListener(trace);
    }
    app.onOpen(conn);
  }

  @Override
  public void onHandshake(LoopConnection conn) {
    app.onHandshake(conn);
  }

  @Override
  public void onData(LoopConnection conn, ByteBuffer data) {
    app.onData(conn, data);
  }

  @Override
  public void onWritable(LoopConnection conn) {
    app.onWritable(conn);
  }

  /**
   * Called once per connection: a failure line unless it ended cleanly (either side's
   * close_notify), then the trace's summary.
   */
  @Override
  public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
    try {
      app.onClosed(conn, cause, error);
    } finally {
      if (error != null && cause != CloseCause.PEER_CLOSED && cause != CloseCause.LOCAL_CLOSE) {
        String peer = String.valueOf(conn.remoteAddress());
        err.println("connection from " + peer + " failed: " + Failure.describe(error, peer));
      }
      if (trace != null) {
        trace.summary(conn.tls());
      }
    }
  }
}
