package dev.tlsloop.trace;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsListener;
import dev.tlsloop.TlsState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * An annotated transcript of one connection, readable top to bottom: one line per state change,
 * engine call (with the loop's reason), record on the wire (decoded from its header and, while
 * plaintext, its handshake messages), delegated task and buffer event, each prefixed with the
 * milliseconds since the trace was created. {@link #summary} adds what was negotiated.
 *
 * <p>Install it as the connection's listener ({@code TlsConfig.Builder.listener} or {@link
 * TlsConnection#setListener}) before the first call; one trace per connection. Records are decoded
 * by two {@code RecordDecoder}s fed from the transport callbacks. An encrypted record cannot say
 * what it carries, so the trace says what the engine call that produced or consumed it reported: a
 * record we send is matched to its wrap by byte count, a record we receive to the unwrap that
 * consumed it (a note line after that unwrap).
 *
 * <pre>
 *  152.0 ms  &gt;&gt; #1   handshake          TLS 1.2 (0x0303)    471 B  ClientHello  SNI=localhost ...
 *  233.6 ms  &lt;&lt; #1   handshake          TLS 1.2 (0x0303)    122 B  ServerHello  suite=...
 *  238.8 ms  engine  unwrap  OK               NEED_TASK       consumed   127  produced     0  why: ...
 *  252.5 ms          ^ &lt;&lt; #3 carried handshake message(s): engine handshake status says NEED_TASK
 * </pre>
 *
 * Thread-safe: a task's completion may be reported from the executor's thread.
 */
public final class TlsTrace implements TlsListener {
  /** Lines longer than this wrap their details onto continuation lines. */
  private static final int WIDTH = 130;

  private static final String INDENT = " ".repeat(20);

  private final String side;
  private final Consumer<String> sink;
  private final long startNanos = System.nanoTime();
  private final HandshakeFacts facts = new HandshakeFacts();
  private final RecordDecoder sent;
  private final RecordDecoder received;

  /** Bytes each recent wrap produced that have not been seen leaving yet, oldest first. */
  private final Deque<Pending> unwritten = new ArrayDeque<>();

  /** Records received whose bytes no unwrap has consumed yet, oldest first. */
  private final Deque<Pending> unconsumed = new ArrayDeque<>();

  private TlsState state = TlsState.NEW;
  private long handshakeStartNanos = -1;
  private long handshakeEndNanos = -1;

  /** A trace for one side ("client" or "server") writing lines to {@code sink}. */
  public TlsTrace(String side, Consumer<String> sink) {
    this.side = Objects.requireNonNull(side, "side");
    this.sink = Objects.requireNonNull(sink, "sink");
    String peer = side.equals("client") ? "server" : side.equals("server") ? "client" : "peer";
    this.sent = new RecordDecoder(side + "->" + peer, facts);
    this.received = new RecordDecoder(peer + "->" + side, facts);
  }

  // ------------------------------------------------------------------ listener

  @Override
  public synchronized void onStateChange(TlsConnection connection, TlsState from, TlsState to) {
    long now = System.nanoTime();
    if (to == TlsState.HANDSHAKING) {
      handshakeStartNanos = now;
    } else if (from == TlsState.HANDSHAKING && to == TlsState.OPEN) {
      handshakeEndNanos = now;
    }
    state = to;
    // The connection records its failure before it moves to FAILED, so the cause is known here.
    IOException cause = to == TlsState.FAILED ? connection.failure() : null;
    line("state", from + " -> " + to + (cause != null ? "  cause: " + cause : ""));
  }

  @Override
  public synchronized void onHandshakeFinished(TlsConnection connection) {
    line("state", "handshake finished after " + ms(handshakeNanos()) + " ms");
  }

  @Override
  public synchronized void onWrap(TlsConnection connection, String why, SSLEngineResult result) {
    engineLine("wrap", why, result);
    if (result.bytesProduced() > 0) {
      unwritten.add(new Pending(carried(true, result), result.bytesProduced(), null));
    }
  }

  @Override
  public synchronized void onUnwrap(TlsConnection connection, String why, SSLEngineResult result) {
    engineLine("unwrap", why, result);
    long consumed = result.bytesConsumed();
    String carried = null;
    while (consumed > 0 && !unconsumed.isEmpty()) {
      Pending p = unconsumed.peek();
      long take = Math.min(consumed, p.bytes);
      p.bytes -= take;
      consumed -= take;
      if (p.bytes == 0) {
        unconsumed.poll();
        if (p.record.encrypted()) {
          if (carried == null) {
            carried = carried(false, result);
          }
          line("", "^ << " + p.what + " carried " + carried);
        }
      }
    }
  }

  @Override
  public synchronized void onTransportRead(
      TlsConnection connection, ByteBuffer buffer, int offset, int length) {
    received.feed(
        buffer,
        offset,
        length,
        r -> {
          String id = "#" + received.records();
          unconsumed.add(new Pending(id, r.wireLength(), r));
          recordLine("<< " + id, r, null);
        });
  }

  @Override
  public synchronized void onTransportWrite(
      TlsConnection connection, ByteBuffer buffer, int offset, int length) {
    sent.feed(buffer, offset, length, r -> recordLine(">> #" + sent.records(), r, producedBy(r)));
  }

  @Override
  public synchronized void onTransportEof(TlsConnection connection) {
    line("<< EOF", "the transport reported end of stream");
  }

  @Override
  public synchronized void onTask(TlsConnection connection, long nanos, boolean offloaded) {
    line(
        "task",
        "delegated task ran "
            + ms(nanos)
            + " ms "
            + (offloaded ? "on the executor" : "inline (no executor configured)"));
  }

  @Override
  public synchronized void onBuffer(
      TlsConnection connection, BufferRole role, BufferEvent event, int capacity) {
    line("buffer", String.format(Locale.ROOT, "%-7s %-8s %6d B", role, event, capacity));
  }

  // ------------------------------------------------------------------ results

  /** Whether the decoded handshake resumed an earlier session (TLS 1.3 PSK, TLS 1.2 echoed id). */
  synchronized boolean resumed() {
    return facts.resumed;
  }

  /**
   * Emits the summary lines: protocol, cipher suite, ALPN, peer certificate, resumption, handshake
   * time, records and bytes each way. Call once the handshake finished (or failed).
   */
  public synchronized void summary(TlsConnection conn) {
    var session = conn.session();
    if (session == null) {
      // A routing server that refused the ClientHello never made an engine (NOTES.md section 14).
      line("summary", "no session: failed before the ClientHello made an engine");
      return;
    }
    String alpn = conn.applicationProtocol();
    line("summary", "protocol      " + session.getProtocol());
    line("", "cipher suite  " + session.getCipherSuite());
    line("", "ALPN          " + (alpn == null || alpn.isEmpty() ? "none" : alpn));
    peerCertificate(conn);
    line(
        "",
        "resumed       " + (facts.resumed ? "yes (abbreviated handshake)" : "no (full handshake)"));
    line(
        "",
        "handshake     "
            + (handshakeEndNanos < 0 ? "not finished" : ms(handshakeNanos()) + " ms")
            + " (HANDSHAKING -> OPEN)");
    line("", "sent          " + sent.records() + " records, " + sent.bytes() + " B");
    line("", "received      " + received.records() + " records, " + received.bytes() + " B");
  }

  private void peerCertificate(TlsConnection conn) {
    Certificate[] chain;
    try {
      chain = conn.session().getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      line("", "peer cert     none");
      return;
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate)) {
      line("", "peer cert     none");
      return;
    }
    X509Certificate leaf = (X509Certificate) chain[0];
    line("", "peer cert     subject " + leaf.getSubjectX500Principal().getName());
    line("", "              issuer  " + leaf.getIssuerX500Principal().getName());
    line(
        "",
        "              valid   "
            + leaf.getNotBefore().toInstant()
            + " to "
            + leaf.getNotAfter().toInstant());
  }

  // ------------------------------------------------------------------ formatting

  private void engineLine(String call, String why, SSLEngineResult r) {
    line(
        "engine",
        String.format(
            Locale.ROOT,
            "%-6s  %-16s %-15s consumed %5d  produced %5d  why: %s%s",
            call,
            r.getStatus(),
            r.getHandshakeStatus(),
            r.bytesConsumed(),
            r.bytesProduced(),
            why,
            statusNote(r)));
  }

  /** What a non-OK status means for the loop. */
  private static String statusNote(SSLEngineResult r) {
    switch (r.getStatus()) {
      case BUFFER_UNDERFLOW:
        return "  -> only part of a record is here: read more";
      case BUFFER_OVERFLOW:
        return "  -> destination too small for a record: make room";
      case CLOSED:
        return "  -> this direction is closed";
      default:
        return "";
    }
  }

  /** One record: tag, then its layout by {@link RecordLines}, continuation lines indented. */
  private void recordLine(String tag, TlsRecord r, String producedBy) {
    List<String> lines = RecordLines.format(r, producedBy, WIDTH - INDENT.length());
    line(tag, lines.get(0));
    for (String more : lines.subList(1, lines.size())) {
      sink.accept(INDENT + more);
    }
  }

  /** Emits one line: elapsed time, a tag column, the text. */
  private void line(String tag, String text) {
    double elapsed = (System.nanoTime() - startNanos) / 1e6;
    sink.accept(String.format(Locale.ROOT, "%8.1f ms  %-7s %s", elapsed, tag, text));
  }

  /** What the wrap that produced record {@code r} said it carried, for encrypted records. */
  private String producedBy(TlsRecord r) {
    long need = r.wireLength();
    String carried = null;
    while (need > 0 && !unwritten.isEmpty()) {
      Pending p = unwritten.peek();
      if (carried == null) {
        carried = p.what;
      }
      long take = Math.min(need, p.bytes);
      p.bytes -= take;
      need -= take;
      if (p.bytes == 0) {
        unwritten.poll();
      }
    }
    return r.encrypted() ? carried : null;
  }

  /**
   * What an encrypted record moved by this engine call carried, as far as the engine's result
   * tells: plaintext in or out means application data; CLOSED means close_notify; otherwise a
   * handshake message, post-handshake (NewSessionTicket, KeyUpdate: RFC 8446 section 4.6) once the
   * connection is open.
   */
  private String carried(boolean wrap, SSLEngineResult r) {
    HandshakeStatus hs = r.getHandshakeStatus();
    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
      return "an alert (close_notify): engine status CLOSED";
    }
    int plaintext = wrap ? r.bytesConsumed() : r.bytesProduced();
    if (plaintext > 0) {
      return "application data (" + plaintext + " B of plaintext)";
    }
    if (state == TlsState.NEW || state == TlsState.HANDSHAKING) {
      return "handshake message(s): engine handshake status says " + hs;
    }
    if (hs == HandshakeStatus.NOT_HANDSHAKING || hs == HandshakeStatus.FINISHED) {
      return facts.isTls13()
          ? "a post-handshake message (NewSessionTicket or KeyUpdate): engine says " + hs
          : "a control message (0 B of plaintext): engine says " + hs;
    }
    return "a post-handshake message (KeyUpdate or renegotiation): engine says " + hs;
  }

  private long handshakeNanos() {
    return handshakeStartNanos < 0 || handshakeEndNanos < 0
        ? 0
        : handshakeEndNanos - handshakeStartNanos;
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
  }

  /** Bytes still to be matched to a wrap (sent) or an unwrap (received). */
  private static final class Pending {
    final String what;
    final TlsRecord record;
    long bytes;

    Pending(String what, long bytes, TlsRecord record) {
      this.what = what;
      this.bytes = bytes;
      this.record = record;
    }
  }

  @Override
  public String toString() {
    return "TlsTrace[" + side + ", " + sent + ", " + received + "]";
  }
}
