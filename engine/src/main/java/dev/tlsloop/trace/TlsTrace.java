package dev.tlsloop.trace;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsListener;
import java.util.function.Consumer;

/** An annotated transcript of one connection, one line per event. (Skeleton.) */
public final class TlsTrace implements TlsListener {
  private final String side;
  private final Consumer<String> sink;

  /** A trace for one side ("client" or "server") writing lines to {@code sink}. */
  public TlsTrace(String side, Consumer<String> sink) {
    this.side = side;
    this.sink = sink;
  }

  /** Emits the summary lines: protocol, suite, ALPN, peer certificate, resumption, counts. */
  public void summary(TlsConnection conn) {
    sink.accept(side + " summary: " + conn.session().getProtocol());
  }

  /** Whether the decoded handshake resumed an earlier session. */
  public boolean resumed() {
    return false;
  }
}
