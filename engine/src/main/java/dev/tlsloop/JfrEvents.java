package dev.tlsloop;

import java.io.IOException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The flight-recorder events of a connection. Only {@link ConnectionEvents} calls this class, and
 * only once it knows jdk.jfr is there: loading it elsewhere would fail on a runtime without JFR.
 * The events are disabled by default ({@code @Enabled(false)}): a recording with the JDK's default
 * or profile settings leaves them out; one that names them ({@code recording.enable(
 * "dev.tlsloop.Handshake")}, or {@code enabled=true} for them in a .jfc settings file) records
 * them. Every method first creates its event and asks {@code isEnabled()}: nothing else is computed
 * for a disabled event. Events carry no stack trace: the hook's frames say nothing the fields do
 * not.
 */
final class JfrEvents {
  static final String CATEGORY = "tlsloop";

  private JfrEvents() {}

  @Name("dev.tlsloop.Handshake")
  @Label("TLS Handshake")
  @Category(CATEGORY)
  @Description("A TLS handshake finished: what was negotiated, with whom, and how long it took")
  @StackTrace(false)
  @Enabled(false)
  static final class HandshakeEvent extends Event {
    @Label("Client")
    @Description("Whether this side is the client")
    boolean client;

    @Label("Peer")
    @Description("The transport's remote address, else the host and port a client dialled")
    String peer;

    @Label("Protocol")
    String protocol;

    @Label("Cipher Suite")
    String cipherSuite;

    @Label("Resumed")
    @Description("An abbreviated handshake: TLS 1.2 session id echoed, TLS 1.3 pre_shared_key")
    boolean resumed;

    @Label("Handshake Duration")
    @Description("From the connection's creation (when the handshake timeout starts) to its end")
    @Timespan(Timespan.NANOSECONDS)
    long handshakeDuration;
  }

  @Name("dev.tlsloop.HandshakeFailed")
  @Label("TLS Handshake Failed")
  @Category(CATEGORY)
  @Description("A connection failed before its handshake finished")
  @StackTrace(false)
  @Enabled(false)
  static final class HandshakeFailedEvent extends Event {
    @Label("Client")
    boolean client;

    @Label("Peer")
    String peer;

    @Label("Error")
    @Description("The exception that failed the handshake: its class and message")
    String error;

    @Label("Handshake Duration")
    @Description("From the connection's creation to the failure")
    @Timespan(Timespan.NANOSECONDS)
    long handshakeDuration;
  }

  @Name("dev.tlsloop.Timeout")
  @Label("TLS Connection Timeout")
  @Category(CATEGORY)
  @Description("A connection deadline passed (handshake, idle or close) and the connection failed")
  @StackTrace(false)
  @Enabled(false)
  static final class TimeoutEvent extends Event {
    @Label("Client")
    boolean client;

    @Label("Peer")
    String peer;

    @Label("Kind")
    @Description("Which deadline passed: HANDSHAKE, IDLE or CLOSE")
    String kind;

    @Label("State")
    @Description("The connection's state when the deadline passed")
    String state;
  }

  @Name("dev.tlsloop.ConnectionClosed")
  @Label("TLS Connection Closed")
  @Category(CATEGORY)
  @Description("A connection closed its transport: why, and what it moved each way")
  @StackTrace(false)
  @Enabled(false)
  static final class ConnectionClosedEvent extends Event {
    @Label("Client")
    boolean client;

    @Label("Peer")
    String peer;

    @Label("Protocol")
    @Description("The negotiated protocol, NONE if the handshake never finished")
    String protocol;

    @Label("Cause")
    @Description(
        "CLOSE_NOTIFY_BOTH_WAYS, CLOSED_BEFORE_PEER_CLOSE_NOTIFY, CLOSED_BEFORE_HANDSHAKE,"
            + " FAILED or TIMED_OUT")
    String cause;

    @Label("Failure")
    @Description("The exception that failed the connection, if one did")
    String failure;

    @Label("Bytes Read")
    @Description("Ciphertext bytes read from the transport")
    @DataAmount
    long bytesRead;

    @Label("Bytes Written")
    @Description("Ciphertext bytes written to the transport")
    @DataAmount
    long bytesWritten;

    @Label("Records Read")
    @Description("TLS records unwrapped")
    long recordsRead;

    @Label("Records Written")
    @Description("TLS records wrapped")
    long recordsWritten;

    @Label("Lifetime")
    @Description("From the connection's creation to its close")
    @Timespan(Timespan.NANOSECONDS)
    long lifetime;
  }

  static void handshake(TlsConnection c, Traffic t) {
    long now = System.nanoTime();
    t.openedAt = now;
    HandshakeEvent e = new HandshakeEvent();
    if (!e.isEnabled()) {
      return;
    }
    SSLSession s = c.session();
    e.client = c.isClient();
    e.peer = ConnectionEvents.peer(c, t);
    e.protocol = s.getProtocol();
    e.cipherSuite = s.getCipherSuite();
    e.resumed = c.isResumed();
    e.handshakeDuration = now - t.createdAt;
    e.commit();
  }

  static void failing(TlsConnection c, Traffic t, IOException error) {
    TlsState state = c.state();
    if (state == TlsState.NEW || state == TlsState.HANDSHAKING) {
      HandshakeFailedEvent e = new HandshakeFailedEvent();
      if (e.isEnabled()) {
        e.client = c.isClient();
        e.peer = ConnectionEvents.peer(c, t);
        e.error = error.toString();
        e.handshakeDuration = System.nanoTime() - t.createdAt;
        e.commit();
      }
    }
    if (error instanceof TlsTimeoutException) {
      TimeoutEvent e = new TimeoutEvent();
      if (e.isEnabled()) {
        e.client = c.isClient();
        e.peer = ConnectionEvents.peer(c, t);
        e.kind = ((TlsTimeoutException) error).kind().name();
        e.state = state.name();
        e.commit();
      }
    }
  }

  static void closed(TlsConnection c, Traffic t) {
    ConnectionClosedEvent e = new ConnectionClosedEvent();
    if (!e.isEnabled()) {
      return;
    }
    IOException failure = c.failure();
    SSLEngine engine = c.engine();
    e.client = c.isClient();
    e.peer = ConnectionEvents.peer(c, t);
    e.protocol = t.openedAt != 0 ? c.session().getProtocol() : "NONE";
    e.cause =
        failure instanceof TlsTimeoutException
            ? "TIMED_OUT"
            : failure != null
                ? "FAILED"
                : t.openedAt == 0
                    ? "CLOSED_BEFORE_HANDSHAKE"
                    : engine.isInboundDone() && engine.isOutboundDone()
                        ? "CLOSE_NOTIFY_BOTH_WAYS"
                        : "CLOSED_BEFORE_PEER_CLOSE_NOTIFY";
    e.failure = failure == null ? null : failure.toString();
    e.bytesRead = t.bytesIn;
    e.bytesWritten = t.bytesOut;
    e.recordsRead = t.recordsIn;
    e.recordsWritten = t.recordsOut;
    e.lifetime = System.nanoTime() - t.createdAt;
    e.commit();
  }
}
