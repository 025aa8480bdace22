package dev.tlsloop;

import static dev.tlsloop.internal.RecordHeader.HEADER;

import dev.tlsloop.Lifecycle.Handshake;
import dev.tlsloop.Lifecycle.Input;
import dev.tlsloop.Lifecycle.Output;
import dev.tlsloop.TlsListener.BufferEvent;
import dev.tlsloop.TlsListener.BufferRole;
import dev.tlsloop.internal.HelloRejected;
import dev.tlsloop.internal.RecordHeader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * One TLS connection: one {@link SSLEngine}, one transport and three buffers, advanced explicitly.
 *
 * <p><b>Calls.</b> {@link #handshake()}, {@link #read}, {@link #write}, {@link #flush()}, {@link
 * #shutdownOutput()} and {@link #close()} each drive the engine as far as the transport allows:
 * whichever call is made runs the handshake, answers KeyUpdates, runs delegated tasks and flushes.
 * On a non-blocking transport a call that cannot go on returns at once (0 bytes, or a {@link
 * TlsNeed}) and {@link #need()} says what it waits for; on a blocking transport the same call
 * blocks in the transport instead. Would-block is never an exception. An exception means one of
 * three things. The connection failed: it is then {@link TlsState#FAILED} and its transport closed.
 * Misuse: an {@link IllegalStateException} naming the state. Or the direction asked for is closed
 * already, which leaves the state as it is: {@link ClosedChannelException} from {@code write} after
 * {@link #close()}, and from {@code read} after it unless the peer's close_notify came first (then
 * -1); {@link SSLException} from {@code write} once the peer's close_notify closed both directions
 * (TLS 1.2 answers it with its own, RFC 5246 section 7.2.1). An I/O error in {@link
 * TlsState#CLOSED}, say while the last close_notify is flushed, closes the transport too; the state
 * stays CLOSED, which is terminal.
 *
 * <p><b>Buffers.</b> {@code netIn} holds ciphertext read but not yet unwrapped, {@code appIn}
 * plaintext unwrapped but not yet taken, {@code netOut} ciphertext wrapped but not yet written. All
 * three are in read mode between calls (pending bytes in {@code [position, limit)}). Unwrap goes
 * straight into the caller's buffers when they can hold the next record, else through {@code
 * appIn}. See {@link RoleBuffer}.
 *
 * <p><b>Never stranded.</b> A selector fires only for bytes still in the socket. After {@code read}
 * returns, {@link #hasBuffered()} says whether plaintext or whole records are already here: call
 * {@code read} again before waiting for OP_READ. Likewise {@link #hasPendingOutput()} says that
 * ciphertext waits for the transport: watch OP_WRITE as well while it is true, whatever {@link
 * #need()} says (a read can queue a KeyUpdate reply while it waits for input).
 *
 * <p><b>Threads.</b> Not thread-safe: confine a connection to its event-loop thread. (The blocking
 * {@link TlsChannel} adds the locking for one reader and one writer thread.) A task's completion
 * callback is the only thing that runs elsewhere.
 *
 * <p>The states and their transitions are documented on {@link TlsState}.
 */
public final class TlsConnection implements Closeable {
  // Why each engine call is made; shown by traces. Constants, so a call allocates nothing.
  static final String WHY_HANDSHAKE_WRAP = "engine asks NEED_WRAP: send handshake/control record";
  static final String WHY_HANDSHAKE_UNWRAP = "engine asks NEED_UNWRAP: consume peer's record";
  static final String WHY_CONTROL_WRAP =
      "engine asks NEED_WRAP after the handshake: KeyUpdate, close_notify reply or renegotiation";
  static final String WHY_APP_WRAP = "caller's write: encrypt application data";
  static final String WHY_APP_UNWRAP = "caller's read: decrypt buffered record";
  static final String WHY_CLOSE_WRAP = "closing: wrap close_notify";
  static final String WHY_ALERT_WRAP = "failing: wrap the alert that tells the peer why";

  private static final ByteBuffer[] NO_DATA = {ByteBuffer.allocate(0)};

  /**
   * The least a protected record adds to its plaintext: the 16-byte AEAD tag (TLS 1.3 also adds a
   * type byte, TLS 1.2 GCM an 8-byte nonce, CBC an IV and a MAC). The JDK lets unwrap decrypt into
   * a buffer of the record's length minus its overhead (probe: a 16400-byte TLS 1.3 record into
   * 16384 bytes), so a caller's 16 KiB buffer takes a full record without the copy through appIn.
   */
  private static final int MIN_RECORD_EXPANSION = 16;

  /**
   * netOut grows to this many packets so that the records of one call leave in one transport write:
   * the JDK wraps a 16 KiB write as two records (16,367 + 17 bytes in TLS 1.3) and a server's
   * handshake flight as four or five; each wrap needs a whole packet of room, so a one-packet
   * netOut meant one write syscall per record. netIn grows likewise once a read fills it, so that a
   * bulk reader takes several records per read syscall.
   */
  private static final int BATCH_PACKETS = 2;

  /** An engine that answers this many times in a row without moving a byte is broken. */
  private static final int MAX_IDLE_STEPS = 16;

  /** Null until a routing server read the ClientHello ({@link #sniff}); then never changes. */
  private SSLEngine engine;

  /** A routing server's first phase (null otherwise, and once the engine exists). */
  private ServerNameSniff sniff;

  /** The server name a routing server read from the ClientHello. */
  private String sniffedName;

  private final ReadableByteChannel in;
  private final WritableByteChannel out;
  private final RoleBuffer netIn;
  private final RoleBuffer appIn;
  private final RoleBuffer netOut;
  private final Executor taskExecutor;
  private final boolean client;
  private final Deadlines deadlines;
  private final Traffic traffic;

  private TlsListener listener;
  private final DelegatedTasks tasks = new DelegatedTasks(this);

  /** The state and the lifecycle facts beside it; changed by {@link #moveTo} only. */
  private Lifecycle life = Lifecycle.START;

  private TlsNeed need = TlsNeed.NOTHING;
  private IOException failure;
  private final SessionSizes sizes = new SessionSizes();

  /** How many more records without application data the peer may send (countRecordWithoutData). */
  private long controlRecordAllowance;

  private final int maxRecordsWithoutData;

  // ------------------------------------------------ per-call scratch: meaningless between calls

  /** Reused for single-buffer calls so that read/write allocate nothing. */
  private final ByteBuffer[] single = new ByteBuffer[1];

  /**
   * appIn as an unwrap destination: {@code unwrap(src, dst)} would allocate this array on every
   * call, and {@link #single} may be holding the caller's buffer at the time.
   */
  private final ByteBuffer[] appInArray = new ByteBuffer[1];

  /** Engine calls in a row that moved no byte (see MAX_IDLE_STEPS); reset by {@link #begin}. */
  private int idleSteps;

  /**
   * The transport accepted no byte earlier in this call: do not ask it again before the next call
   * (the caller waits for writability). Without this, a read that unwraps several buffered records
   * while a KeyUpdate reply or ticket waits in netOut retried the write once per record.
   */
  private boolean writeBlocked;

  // ------------------------------------------------ facts of the handshake

  /** Watches the first handshake's hellos for {@link #isResumed()}; null once it is over. */
  private HelloObserver hellos;

  private boolean resumed;

  /** The first handshake negotiated TLS 1.2: only then can a renegotiation start. */
  private boolean renegotiable;

  /** Renegotiations the peer started, accepted or not. */
  private int peerRenegotiations;

  private final RenegotiationPolicy renegotiation;

  TlsConnection(
      TlsConfig config, ReadableByteChannel in, WritableByteChannel out, ByteBuffer preRead) {
    this(config, config.sniffsServerName() ? null : config.createEngine(), in, out, preRead);
    if (engine == null) {
      sniff = new ServerNameSniff(config);
    }
  }

  /** With a given engine: tests use it to drive misbehaving engines through the loop. */
  TlsConnection(
      TlsConfig config,
      SSLEngine engine,
      ReadableByteChannel in,
      WritableByteChannel out,
      ByteBuffer preRead) {
    this.engine = engine;
    this.in = Objects.requireNonNull(in, "transport");
    this.out = Objects.requireNonNull(out, "transport");
    this.client = config.isClient();
    this.hellos = new HelloObserver(client);
    this.taskExecutor = config.taskExecutor();
    this.listener = config.listener();
    this.deadlines = config.newDeadlines();
    this.traffic = new Traffic(out); // the transport itself: TlsChannel's in is a ReadGate
    this.maxRecordsWithoutData = config.maxRecordsWithoutData();
    this.controlRecordAllowance = maxRecordsWithoutData;
    this.renegotiation = config.renegotiation();
    BufferAllocator alloc = config.allocator();
    boolean release = config.releaseBuffersWhenIdle();
    this.netIn = new RoleBuffer(BufferRole.NET_IN, alloc, release, this);
    this.appIn = new RoleBuffer(BufferRole.APP_IN, alloc, release, this);
    this.netOut = new RoleBuffer(BufferRole.NET_OUT, alloc, release, this);
    if (preRead != null && preRead.hasRemaining()) {
      int n = preRead.remaining();
      // No engine yet on a routing server: a plaintext record's size will do until the hello.
      int size = engine != null ? packetSize() : HEADER + RecordHeader.MAX_PLAINTEXT;
      ByteBuffer b = netIn.beginFill(n, Math.max(n, size));
      int start = b.position();
      b.put(preRead); // a copy: the engine decrypts in place, and the caller's may be read-only
      netIn.endFill();
      hellos.received(netIn.buffer(), start, n);
      if (listener != null) {
        // Traces see these bytes as the first read: they are the start of the peer's stream.
        listener.onTransportRead(this, netIn.buffer(), start, n);
      }
    }
  }

  // ---------------------------------------------------------------- public API

  /** The current state. */
  public TlsState state() {
    return life.state();
  }

  /** What the last call waits for; {@link TlsNeed#NOTHING} if it finished. */
  public TlsNeed need() {
    return need;
  }

  /**
   * The engine, for what this class does not expose (its {@link SSLEngine#getSSLParameters()
   * parameters}, the {@link SSLEngine#getHandshakeSession() handshake session} in a callback). Null
   * on a server that routes by server name ({@link TlsConfig.Builder#serverName}, {@link
   * TlsConfig.Builder#sniffServerName}) until the ClientHello was read, and for good if that hello
   * was refused: the engine is made for the name the client asked for. Read from it only: a call
   * that changes its state ({@code wrap}, {@code unwrap}, {@code beginHandshake}, {@code
   * closeInbound}, {@code closeOutbound}, setters) bypasses the state machine, its buffers and its
   * policies. For the negotiated facts use {@link #protocol()}, {@link #cipherSuite()}, {@link
   * #applicationProtocol()}, {@link #peerCertificates()}, {@link #serverName()} and {@link
   * #isResumed()}; for a KeyUpdate {@link #requestKeyUpdate()}.
   */
  public SSLEngine engine() {
    return engine;
  }

  /**
   * The negotiated protocol version, {@code "TLSv1.3"} or {@code "TLSv1.2"}; null until the
   * handshake finished.
   */
  public String protocol() {
    return established() ? engine.getSession().getProtocol() : null;
  }

  /**
   * The negotiated cipher suite's standard name (e.g. {@code "TLS_AES_256_GCM_SHA384"}); null until
   * the handshake finished. A TLS 1.2 renegotiation may change it.
   */
  public String cipherSuite() {
    return established() ? engine.getSession().getCipherSuite() : null;
  }

  /**
   * The protocol ALPN chose (RFC 7301), the empty string when none was negotiated (either side
   * offered none, or the server chose none); null until the handshake finished.
   */
  public String applicationProtocol() {
    if (!established()) {
      return null;
    }
    String p = engine.getApplicationProtocol();
    return p != null ? p : "";
  }

  /**
   * The peer's certificate chain as it sent it, its own certificate first; empty when the peer sent
   * none (a client when the server did not ask for one) and until the handshake finished. On a
   * resumed session, the chain verified when the session was made.
   */
  public List<X509Certificate> peerCertificates() {
    if (!established()) {
      return List.of();
    }
    Certificate[] chain;
    try {
      chain = engine.getSession().getPeerCertificates();
    } catch (SSLPeerUnverifiedException none) {
      return List.of();
    }
    List<X509Certificate> out = new ArrayList<>(chain.length);
    for (Certificate c : chain) {
      if (c instanceof X509Certificate) {
        out.add((X509Certificate) c);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The host name the client asked for with SNI (RFC 6066 section 3): on a client the one it sent,
   * on a server the one it received. Null when none was sent (an IP literal, SNI turned off) and,
   * on a server, until the handshake finished; a server routing by server name knows it (in lower
   * case) once it read the ClientHello.
   */
  public String serverName() {
    List<SNIServerName> names;
    if (sniffedName != null) {
      return sniffedName;
    } else if (client) {
      names = engine.getSSLParameters().getServerNames();
    } else if (established() && engine.getSession() instanceof ExtendedSSLSession) {
      names = ((ExtendedSSLSession) engine.getSession()).getRequestedServerNames();
    } else {
      return null;
    }
    if (names != null) {
      for (SNIServerName n : names) {
        if (n instanceof SNIHostName) {
          return ((SNIHostName) n).getAsciiName();
        }
      }
    }
    return null;
  }

  /**
   * Whether the first handshake resumed an earlier session instead of a full handshake with
   * certificates: TLS 1.3 with a pre-shared key (RFC 8446 section 2.2), TLS 1.2 with the session id
   * or ticket the client offered (RFC 5246 section 7.3, RFC 5077). Read from the ServerHello this
   * side sent or received, so both ends agree. False until the handshake finished.
   */
  public boolean isResumed() {
    return resumed;
  }

  /**
   * Sends a TLS 1.3 KeyUpdate asking the peer to update its keys as well (RFC 8446 section 4.6.3):
   * both directions get fresh keys without a handshake. Returns what {@link #flush()} returns:
   * NOTHING once the KeyUpdate is on the wire, else what it waits for. Throws {@link
   * IllegalStateException} unless the connection is OPEN with TLS 1.3 (in TLS 1.2 the same engine
   * call would start a renegotiation).
   */
  public TlsNeed requestKeyUpdate() throws IOException {
    checkNotFailed();
    if (state() != TlsState.OPEN || !"TLSv1.3".equals(engine.getSession().getProtocol())) {
      throw new IllegalStateException(
          "KeyUpdate needs an OPEN TLS 1.3 connection: state is "
              + state()
              + ", protocol "
              + protocol());
    }
    try {
      engine.beginHandshake(); // an established TLS 1.3 engine answers with a KeyUpdate
    } catch (IOException | RuntimeException e) {
      throw fail(e);
    }
    return flush();
  }

  /** How many TLS 1.2 renegotiations the peer started (refused ones included). */
  public int peerRenegotiations() {
    return peerRenegotiations;
  }

  /**
   * The negotiated session (meaningful once {@link TlsState#OPEN}); null while {@link #engine()}
   * is.
   */
  public SSLSession session() {
    return engine == null ? null : engine.getSession();
  }

  /**
   * When this connection next needs {@link #checkDeadlines}, on the {@link System#nanoTime()}
   * clock; {@link Long#MAX_VALUE} when no deadline applies (none configured, or the connection
   * ended). The deadline in force depends on the state: the handshake timeout until {@link
   * TlsState#OPEN}, then the idle timeout (renewed by every byte moved on the transport), and the
   * close timeout from {@link #shutdownOutput()} on. A loop waits no longer than this.
   */
  public long nextDeadline() {
    return deadlines.next(state());
  }

  /**
   * Fails the connection if a deadline passed at {@code nowNanos} ({@link System#nanoTime()}): it
   * becomes {@link TlsState#FAILED} with a {@link TlsTimeoutException} as its {@link #failure()},
   * its transport is closed and its buffers released. Returns whether it did.
   */
  public boolean checkDeadlines(long nowNanos) {
    TlsTimeoutException timeout = deadlines.expired(state(), nowNanos);
    if (timeout == null) {
      return false;
    }
    fail(timeout, false);
    return true;
  }

  /**
   * Ends the connection at once without close_notify: the transport is closed and the buffers
   * released, and the peer sees the stream end without close_notify, which it must treat as a
   * truncation, not a clean end (RFC 8446 section 6.1). For a local failure (an application error)
   * where ending cleanly would tell the peer a lie. The connection becomes {@link TlsState#FAILED}
   * with {@code cause} as its {@link #failure()}; nothing happens if it already ended.
   */
  public void abort(IOException cause) {
    Objects.requireNonNull(cause, "cause");
    if (!state().isTerminal()) {
      fail(cause, false);
    }
  }

  /** Whether this side is the client. */
  public boolean isClient() {
    return client;
  }

  /** Whether a delegated task is running on the executor. */
  boolean taskRunning() {
    return tasks.running();
  }

  /** The error that failed the connection, or null. */
  public IOException failure() {
    return failure;
  }

  /** Replaces the listener (null for none). */
  public void setListener(TlsListener listener) {
    this.listener = listener;
  }

  /**
   * Called on the executor's thread when a delegated task finishes, so the loop can call the
   * connection again (e.g. {@code selector::wakeup}). Only used with a task executor.
   */
  public void setTaskCompletionCallback(Runnable callback) {
    tasks.onDone(callback);
  }

  /**
   * Whether {@code read} has something to return without any I/O: plaintext, a complete record, or
   * the end of the stream (the peer's close_notify was taken by a read that returned data, and -1
   * has not been returned yet). A loop must call {@code read} again instead of waiting for the
   * selector, which only knows about bytes still in the socket.
   */
  public boolean hasBuffered() {
    if (state() == TlsState.FAILED) {
      return false;
    }
    if (appIn.hasRemaining()) {
      return true;
    }
    if (engine == null) {
      return false; // the ClientHello is still being read: nothing for read() yet
    }
    // TLS 1.3: the read that returned the last data may have unwrapped the close_notify behind it.
    return engine.isInboundDone()
        ? life.input() != Input.END_OF_STREAM_RETURNED
        : completeRecordBuffered();
  }

  /**
   * Whether ciphertext is waiting in netOut for the transport to accept it. A non-blocking loop
   * watches for writability while this is true, whatever {@link #need()} says: a read may leave a
   * control record (KeyUpdate reply) queued while it waits for input.
   */
  public boolean hasPendingOutput() {
    return netOut.hasRemaining();
  }

  /** Bytes currently held in each buffer, for tests and monitoring. */
  public BufferSizes bufferedBytes() {
    return new BufferSizes(netIn.remaining(), appIn.remaining(), netOut.remaining());
  }

  /** Capacity of each buffer (0 when not allocated). */
  public BufferSizes bufferCapacities() {
    return new BufferSizes(netIn.capacity(), appIn.capacity(), netOut.capacity());
  }

  /**
   * Runs the handshake as far as possible. Returns {@link TlsNeed#NOTHING} once it finished and its
   * last flight is flushed, else what it waits for. Calling it is optional: read and write run the
   * handshake themselves.
   */
  public TlsNeed handshake() throws IOException {
    checkNotFailed();
    try {
      begin();
      while (state() == TlsState.HANDSHAKING) {
        TlsNeed n = step(null, 0, 0, false);
        if (n != null) {
          return finish(n);
        }
      }
      return finish(flushNetOut() ? TlsNeed.NOTHING : TlsNeed.WRITE);
    } catch (IOException | RuntimeException e) {
      throw fail(e);
    }
  }

  /**
   * Reads plaintext into {@code dst}. Returns the number of bytes read, 0 if none could be read now
   * ({@link #need()} says why), or -1 once the peer sent close_notify. Never returns bytes before
   * the handshake finished nor bytes the peer did not send. EOF without close_notify throws {@link
   * TlsTruncationException}.
   */
  public int read(ByteBuffer dst) throws IOException {
    single[0] = dst;
    try {
      return (int) read(single, 0, 1);
    } finally {
      single[0] = null;
    }
  }

  /** Scattering form of {@link #read(ByteBuffer)}. */
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, dsts.length);
    checkNotFailed();
    if (life.input() == Input.CLOSED_BY_CALLER) {
      throw new ClosedChannelException();
    }
    try {
      begin();
      return readSteps(dsts, offset, length);
    } catch (IOException | RuntimeException e) {
      throw fail(e);
    }
  }

  /** Drains appIn and unwraps into {@code dsts} until they are full or the next step must wait. */
  private long readSteps(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    while (true) {
      if (appIn.hasRemaining()) {
        total += appIn.drainTo(dsts, offset, length);
        appIn.releaseIfEmpty();
      }
      if (!hasRemaining(dsts, offset, length)) {
        return finish(total, TlsNeed.NOTHING);
      }
      if (inboundDone()) {
        return endOfStream(total);
      }
      if (total > 0 && !worthGoingOn(dsts, offset, length)) {
        return finish(total, TlsNeed.NOTHING);
      }
      long room = remaining(dsts, offset, length);
      TlsNeed n = step(dsts, offset, length, false);
      total += room - remaining(dsts, offset, length); // unwrapped straight into dsts
      if (n != null) {
        return finish(total, total > 0 ? TlsNeed.NOTHING : n);
      }
    }
  }

  /**
   * Whether a read that has data goes on to the next record. Only if it is whole: read() never
   * waits once it has data. Only if it is application data: in TLS 1.2 a close_notify right behind
   * the data would be answered at once (RFC 5246 section 7.2.1), closing our side before the caller
   * saw the data it may want to answer; the next read() takes it, as SSLSocket does (TLS 1.3 hides
   * the type, but closes half). Only if the rest of {@code dsts} can take it: else it would go
   * through appIn, a copy the next read avoids (the JDK splits 16 KiB into 16,367 + 17 bytes).
   */
  private boolean worthGoingOn(ByteBuffer[] dsts, int offset, int length) {
    return completeRecordBuffered()
        && applicationDataRecordNext()
        && fitsDirectly(dsts, offset, length);
  }

  /** close_notify received: what was before it has been delivered, now the end of the stream. */
  private long endOfStream(long total) throws IOException {
    if (total == 0 && life.input() == Input.OPEN) {
      moveTo(life.with(Input.END_OF_STREAM_RETURNED));
    }
    return finish(total > 0 ? total : -1, answerCloseNotify());
  }

  /**
   * Encrypts plaintext from {@code src}. Returns the bytes consumed; on a non-blocking transport
   * possibly fewer than offered (0 when netOut is full: {@link #need()} is then WRITE). Accepted
   * bytes reach the wire once {@link #flush()} returns NOTHING. Write after {@link
   * #shutdownOutput()} is misuse.
   */
  public int write(ByteBuffer src) throws IOException {
    single[0] = src;
    try {
      return (int) write(single, 0, 1);
    } finally {
      single[0] = null;
    }
  }

  /**
   * Gathering form of {@link #write(ByteBuffer)}: small buffers are packed into one record by the
   * engine.
   */
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    Objects.checkFromIndexSize(offset, length, srcs.length);
    checkNotFailed();
    if (life.output() == Output.CLOSED_BY_CALLER) {
      throw new ClosedChannelException();
    }
    if (life.output() == Output.SHUT_DOWN) {
      throw new IllegalStateException("write after shutdownOutput(): state is " + state());
    }
    if (engine != null && engine.isOutboundDone()) {
      // TLS 1.2 answers the peer's close_notify with its own and closes both directions.
      throw new SSLException(
          "cannot write: the peer closed the connection (state " + state() + ")");
    }
    try {
      begin();
      long total = 0;
      while (hasRemaining(srcs, offset, length)) {
        TlsNeed n;
        if (state() == TlsState.HANDSHAKING) {
          n = step(null, 0, 0, false);
        } else {
          long before = remaining(srcs, offset, length);
          n = step(srcs, offset, length, true);
          total += before - remaining(srcs, offset, length);
        }
        if (n != null) {
          return finish(total, n);
        }
      }
      return finish(total, flushNetOut() ? TlsNeed.NOTHING : TlsNeed.WRITE);
    } catch (IOException | RuntimeException e) {
      throw fail(e);
    }
  }

  /**
   * Writes pending ciphertext and whatever the engine still wants to send: during the handshake
   * this is {@link #handshake()}; after it, a control record the engine asks to wrap (a KeyUpdate
   * answer, a TLS 1.2 renegotiation flight) is wrapped first. Returns {@link TlsNeed#NOTHING} when
   * everything is written, else what it waits for.
   */
  public TlsNeed flush() throws IOException {
    checkNotFailed();
    if (life.output() != Output.OPEN && engine != null && !engine.isOutboundDone()) {
      // shutdownOutput() stopped before its close_notify was wrapped (netOut full, a task
      // running): finish that first, or NOTHING would mean "flushed" without the close_notify.
      return shutdownOutput();
    }
    if (state() == TlsState.NEW || state() == TlsState.HANDSHAKING) {
      return handshake();
    }
    writeBlocked = false;
    try {
      TlsNeed n = wrapRequestedControl();
      return finish(n != null ? n : flushNetOut() ? TlsNeed.NOTHING : TlsNeed.WRITE);
    } catch (IOException | RuntimeException e) {
      throw fail(e);
    }
  }

  /** Wraps what the engine asks to send after the handshake, a few records at most. */
  private TlsNeed wrapRequestedControl() throws IOException {
    for (int i = 0;
        i < 8
            && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP
            && !engine.isOutboundDone()
            && !tasks.running();
        i++) {
      Wrapped w = wrap(NO_DATA, 0, 1, WHY_CONTROL_WRAP);
      if (w != Wrapped.MOVED) {
        return w.need();
      }
    }
    return null;
  }

  /**
   * Sends close_notify: no more writes, reads go on until the peer's close_notify (TLS 1.3
   * half-close; in TLS 1.2 the peer answers with its own). Returns NOTHING once the close_notify is
   * on the wire, else what it waits for (WRITE, or TASK with a task executor): then call this again
   * or {@link #flush()}; neither returns NOTHING before the close_notify is on the wire.
   */
  public TlsNeed shutdownOutput() throws IOException {
    checkNotFailed();
    writeBlocked = false;
    try {
      if (state() == TlsState.NEW || engine == null) {
        if (engine != null) {
          engine.closeOutbound(); // nothing was sent: nothing to announce
        }
        moveTo(life.with(TlsState.CLOSED).with(Output.SHUT_DOWN));
        return finish(TlsNeed.NOTHING);
      }
      if (life.output() == Output.OPEN) {
        moveTo(life.with(Output.SHUT_DOWN));
        deadlines.closing(System.nanoTime());
        engine.closeOutbound();
      }
      TlsNeed n = wrapUntilOutboundDone();
      return finish(n != null ? n : flushNetOut() ? TlsNeed.NOTHING : TlsNeed.WRITE);
    } catch (IOException | RuntimeException e) {
      throw fail(e);
    }
  }

  /**
   * Sends close_notify, flushes it as far as the transport allows, then closes the transport. On a
   * non-blocking transport, for a close that loses nothing, call {@link #shutdownOutput()} until it
   * returns NOTHING first. Never waits for the peer's close_notify.
   */
  @Override
  public void close() throws IOException {
    try {
      if (!state().isTerminal() && state() != TlsState.NEW) {
        try {
          shutdownOutput();
        } catch (IOException | RuntimeException e) {
          // The peer may be gone already; closing must still release everything.
        }
      }
      if (!state().isTerminal()) {
        if (engine != null) {
          engine.closeOutbound();
        }
        moveTo(life.with(TlsState.CLOSED));
      }
    } finally {
      moveTo(closedByCaller());
      releaseAll();
      closeTransport();
    }
  }

  /**
   * The lifecycle after {@link #close()}: writes throw ClosedChannelException, and so do reads
   * unless the peer's close_notify came first (that stream ended cleanly: reads return -1).
   */
  private Lifecycle closedByCaller() {
    Lifecycle closed = life.with(Output.CLOSED_BY_CALLER);
    return life.input() == Input.OPEN && !inboundDone()
        ? closed.with(Input.CLOSED_BY_CALLER)
        : closed;
  }

  // ---------------------------------------------------------------- the machine

  /**
   * One step: the engine call or transport I/O the engine's handshake status asks for. Returns null
   * when something moved (call again), or what the connection waits for. With {@code wrapApp},
   * {@code bufs} are sources to encrypt, else destinations for plaintext (or null).
   */
  private TlsNeed step(ByteBuffer[] bufs, int offset, int length, boolean wrapApp)
      throws IOException {
    if (tasks.running()) {
      return TlsNeed.TASK;
    }
    if (engine == null) {
      return sniffStep();
    }
    HandshakeStatus hs = engine.getHandshakeStatus();
    if (renegotiable) {
      noticeRenegotiation(hs, false);
    }
    switch (hs) {
      case NEED_TASK:
        return runTasks();
      case NEED_WRAP:
        return state() == TlsState.HANDSHAKING
            ? wrap(NO_DATA, 0, 1, WHY_HANDSHAKE_WRAP).need()
            : wrapControl(bufs, offset, length, wrapApp);
      case NEED_UNWRAP:
      case NEED_UNWRAP_AGAIN:
        // During the handshake, and during a TLS 1.2 renegotiation, application writes wait:
        // the peer's flight comes first. Interleaving application records with a renegotiation
        // is legal in RFC 5246 but peers such as OpenSSL answer it with unexpected_message.
        return unwrap(wrapApp ? null : bufs, offset, length, WHY_HANDSHAKE_UNWRAP);
      case NOT_HANDSHAKING:
      case FINISHED:
      default:
        if (state() == TlsState.HANDSHAKING) {
          // Handshake done = first FINISHED or NOT_HANDSHAKING once started (FINISHED may be
          // skipped, JDK-8240871). Either way we arrive here exactly once.
          handshakeDone();
          return null;
        }
        if (wrapApp) {
          return wrap(bufs, offset, length, WHY_APP_WRAP).need();
        }
        return unwrap(bufs, offset, length, WHY_APP_UNWRAP);
    }
  }

  /**
   * Wraps a record the engine wants sent after the handshake (a KeyUpdate or close_notify reply).
   * If netOut has no room and this is a read, unwraps instead: netOut waits for the peer to read,
   * and the peer may itself be blocked writing to us, so not reading would deadlock both sides with
   * full socket buffers. The JDK engine unwraps fine with a reply pending.
   */
  private TlsNeed wrapControl(ByteBuffer[] bufs, int offset, int length, boolean wrapApp)
      throws IOException {
    Wrapped w = wrap(NO_DATA, 0, 1, WHY_CONTROL_WRAP);
    if (w != Wrapped.BLOCKED || wrapApp) {
      return w.need();
    }
    return unwrap(bufs, offset, length, WHY_APP_UNWRAP);
  }

  /** What one wrap did; the engine-call result the callers steer by. */
  private enum Wrapped {
    /** The engine consumed or produced bytes. */
    MOVED,
    /**
     * It moved nothing (netOut grew, or there was nothing to wrap); the no-progress guard counts.
     */
    NOTHING,
    /** netOut has no room for a packet and the transport takes nothing: wait for WRITE. */
    BLOCKED;

    /** What a step returns for it: null to go on, else what the call waits for. */
    TlsNeed need() {
      return this == BLOCKED ? TlsNeed.WRITE : null;
    }
  }

  /** Wraps {@code srcs} (or nothing, for handshake/control records) into netOut. */
  private Wrapped wrap(ByteBuffer[] srcs, int offset, int length, String why) throws IOException {
    int packet = packetSize();
    if (!makeRoomToWrap(packet)) {
      return Wrapped.BLOCKED;
    }
    SSLEngineResult r;
    try {
      r = engine.wrap(srcs, offset, length, netOut.beginFill(packet, packet));
    } finally {
      netOut.endFill();
    }
    reportWrap(r, why);
    boolean moved = r.bytesConsumed() > 0 || r.bytesProduced() > 0;
    switch (r.getStatus()) {
      case OK:
        afterEngineCall(r.getHandshakeStatus(), moved);
        return moved ? Wrapped.MOVED : Wrapped.NOTHING;
      case BUFFER_OVERFLOW:
        return wrapOverflowed();
      case CLOSED:
        return wrapClosed(r.getHandshakeStatus(), srcs, moved);
      default:
        throw new SSLException("unexpected wrap status " + r.getStatus());
    }
  }

  /**
   * Makes a whole packet of room in netOut, which a wrap needs (else BUFFER_OVERFLOW). Grows first
   * (BATCH_PACKETS), so that this call's records leave together; writes to make room only when
   * full. Returns false when there is no room and the transport takes nothing.
   */
  private boolean makeRoomToWrap(int packet) throws IOException {
    if (netOut.free() >= packet || !netOut.hasRemaining()) {
      return true;
    }
    if (netOut.capacity() < packet * BATCH_PACKETS) {
      netOut.grow(packet * BATCH_PACKETS);
      return true;
    }
    return flushNetOut() || netOut.free() >= packet;
  }

  private void reportWrap(SSLEngineResult r, String why) {
    if (listener != null) {
      listener.onWrap(this, why, r);
    }
    traffic.recordsOut += r.bytesProduced() > 0 ? 1 : 0;
    if (r.bytesConsumed() > 0) {
      // Data of ours went out: the peer may answer it without data (a KeyUpdate once its read
      // key reaches its limit), so each of our data records allows one such record.
      controlRecordAllowance++;
    }
  }

  /** The session's packet size grew (large records allowed) or netOut is still busy. */
  private Wrapped wrapOverflowed() throws IOException {
    sizes.forget();
    if (!netOut.hasRemaining()) {
      // Empty and still too small: only a larger session packet size explains it.
      if (netOut.capacity() >= packetSize()) {
        throw new SSLException(
            "wrap overflows an empty " + netOut.capacity() + "-byte buffer (packet size)");
      }
      netOut.grow(packetSize());
    } else if (!flushNetOut()) {
      return Wrapped.BLOCKED;
    }
    idle();
    return Wrapped.NOTHING;
  }

  /** Our close_notify went into netOut (or the engine was closed): no more application data. */
  private Wrapped wrapClosed(HandshakeStatus hs, ByteBuffer[] srcs, boolean moved)
      throws SSLException {
    afterEngineCall(hs, true);
    syncCloseState();
    if (srcs != NO_DATA && life.output() == Output.OPEN) {
      throw new SSLException("engine closed outbound; cannot write (state " + state() + ")");
    }
    if (moved) {
      return Wrapped.MOVED;
    }
    idle();
    return Wrapped.NOTHING;
  }

  /**
   * Unwraps one record from netIn into {@code dsts} if they can take it, else into appIn. Returns
   * null when something moved (call again), or what the connection waits for.
   */
  private TlsNeed unwrap(ByteBuffer[] dsts, int offset, int length, String why) throws IOException {
    if (!netIn.hasRemaining()) {
      return fillNetIn();
    }
    if (appIn.hasRemaining()) {
      // Plaintext not yet taken: unwrapping more would need unbounded memory. The caller must
      // read first (hasBuffered() is true).
      return TlsNeed.READ;
    }
    boolean direct =
        dsts != null && state() != TlsState.HANDSHAKING && fitsDirectly(dsts, offset, length);
    SSLEngineResult r = direct ? unwrapDirect(dsts, offset, length) : null;
    if (r == null) {
      r = unwrapIntoAppIn();
    }
    if (listener != null) {
      listener.onUnwrap(this, why, r);
    }
    traffic.recordsIn += r.bytesConsumed() > 0 ? 1 : 0;
    switch (r.getStatus()) {
      case OK:
        return unwrapped(r);
      case BUFFER_UNDERFLOW:
        return partialRecord();
      case BUFFER_OVERFLOW:
        growAppIn();
        return null;
      case CLOSED:
        return closeNotifyUnwrapped(r.getHandshakeStatus());
      default:
        throw new SSLException("unexpected unwrap status " + r.getStatus());
    }
  }

  /**
   * Decrypts straight into the caller's buffers; null when the engine asks more room than our
   * estimate ({@link #MIN_RECORD_EXPANSION}), and the record goes through appIn instead.
   */
  private SSLEngineResult unwrapDirect(ByteBuffer[] dsts, int offset, int length)
      throws SSLException {
    SSLEngineResult r = engine.unwrap(netIn.buffer(), dsts, offset, length);
    return r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW ? null : r;
  }

  private SSLEngineResult unwrapIntoAppIn() throws SSLException {
    int size = appSize();
    appInArray[0] = appIn.beginFill(size, size);
    try {
      return engine.unwrap(netIn.buffer(), appInArray, 0, 1);
    } finally {
      appInArray[0] = null;
      appIn.endFill();
    }
  }

  /** Status OK: a record was taken (or, with 0/0, the engine wants more bytes). */
  private TlsNeed unwrapped(SSLEngineResult r) throws IOException {
    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
      // Jetty treats OK 0/0 as underflow: the engine wants more bytes.
      idle();
      return fillNetIn();
    }
    countRecordWithoutData(r.bytesProduced());
    if (renegotiable) {
      noticeRenegotiation(r.getHandshakeStatus(), true);
    }
    afterEngineCall(r.getHandshakeStatus(), true);
    netIn.releaseIfEmpty();
    return null;
  }

  /** A partial record: keep it, read more. Grow only if the session allows larger records. */
  private TlsNeed partialRecord() throws IOException {
    // Only a record longer than the packet size we know says the sizes may have grown; an
    // ordinary partial read keeps the cached size (no locked engine getters per read).
    int pending = nextRecordLength();
    if (pending != Integer.MAX_VALUE && HEADER + pending > packetSize()) {
      sizes.forget();
    }
    if (netIn.free() < packetSize() && netIn.capacity() < packetSize()) {
      netIn.grow(packetSize());
    }
    return fillNetIn();
  }

  /**
   * appIn is smaller than the session's application size (it grew after the handshake or the peer
   * sends large fragments): grow it, the caller retries. appIn is empty here (unwrap waits for the
   * caller to take plaintext first), so the cap is the session's application size: more than that
   * is the engine contradicting it.
   */
  private void growAppIn() throws SSLException {
    sizes.forget();
    if (appIn.capacity() >= appSize()) {
      throw new SSLException(
          "unwrap overflows an empty " + appIn.capacity() + "-byte buffer (application size)");
    }
    appIn.grow(appSize());
  }

  /** Status CLOSED: the peer's close_notify (or the engine closed inbound). */
  private TlsNeed closeNotifyUnwrapped(HandshakeStatus hs) throws SSLException {
    if (state() == TlsState.HANDSHAKING) {
      throw new SSLHandshakeException("peer closed the connection during the handshake");
    }
    afterEngineCall(hs, true);
    syncCloseState();
    return null;
  }

  /** Reads ciphertext into netIn, after flushing what netOut it can: the peer may wait for it. */
  private TlsNeed fillNetIn() throws IOException {
    // Best effort: reading must not wait for our own output to drain once the handshake is done,
    // since the peer may only read after it could write (two full socket buffers = deadlock).
    boolean flushed = !netOut.hasRemaining() || flushNetOut();
    if (inboundDone()) {
      // After the peer's close_notify nothing more counts (RFC 8446 section 6.1), and the
      // transport may have ended already: do not read it again. Only a confused engine asks to
      // unwrap now, so count it against the no-progress guard instead of spinning.
      idle();
      return null;
    }
    int packet = packetSize();
    int n = readTransport(packet);
    if (n > 0) {
      transportRead(n);
      if (netIn.free() == 0 && netIn.capacity() < packet * BATCH_PACKETS) {
        // The read filled netIn: the peer sends in bulk, take more per read syscall next time.
        netIn.grow(packet * BATCH_PACKETS);
      }
      return null;
    }
    netIn.releaseIfEmpty();
    if (n == 0) {
      // Mid-handshake the peer sends nothing before it has our flight: wait for WRITE first.
      // Later, READ, with hasPendingOutput() telling loops to watch for WRITE as well.
      return !flushed && state() == TlsState.HANDSHAKING ? TlsNeed.WRITE : TlsNeed.READ;
    }
    if (listener != null) {
      listener.onTransportEof(this);
    }
    return endOfTransport();
  }

  /** One transport read into netIn, after making room for a packet behind what it holds. */
  private int readTransport(int packet) throws IOException {
    if (netIn.remaining() >= packet && netIn.capacity() >= packet) {
      throw new SSLException(
          "record larger than the packet size " + packet + " the session allows");
    }
    if (netIn.capacity() < packet && netIn.free() < packet) {
      netIn.grow(packet);
    }
    ByteBuffer b = netIn.beginFill(packet, packet);
    try {
      return in.read(b);
    } finally {
      netIn.endFill();
    }
  }

  /** Bookkeeping for {@code n > 0} bytes just read into netIn: deadlines, counters, watchers. */
  private void transportRead(int n) {
    deadlines.activity(System.nanoTime());
    traffic.bytesIn += n;
    if (hellos != null) {
      hellos.received(netIn.buffer(), netIn.buffer().limit() - n, n);
    }
    if (listener != null) {
      listener.onTransportRead(this, netIn.buffer(), netIn.buffer().limit() - n, n);
    }
    idleSteps = 0;
  }

  /** The transport ended. Clean only after the peer's close_notify. */
  private TlsNeed endOfTransport() throws IOException {
    if (inboundDone()) {
      return null; // close_notify already seen; read() will return -1
    }
    if (state() == TlsState.HANDSHAKING || state() == TlsState.NEW) {
      throw new SSLHandshakeException(
          "connection closed by peer during the handshake (EOF before the handshake finished)");
    }
    int partial = netIn.remaining();
    try {
      engine.closeInbound();
    } catch (SSLException expected) {
      // "closing inbound before receiving peer's close_notify": the truncation we report below.
    }
    throw new TlsTruncationException(
        "connection truncated: transport EOF without close_notify"
            + (partial > 0 ? " (" + partial + " bytes of a partial record pending)" : ""));
  }

  /** Writes netOut to the transport. Returns true once it is empty. */
  private boolean flushNetOut() throws IOException {
    if (writeBlocked && netOut.hasRemaining()) {
      return false;
    }
    while (netOut.hasRemaining()) {
      if (writeNetOutOnce() == 0) {
        writeBlocked = true;
        return false;
      }
      idleSteps = 0;
    }
    netOut.releaseIfEmpty();
    return true;
  }

  /** One transport write of netOut's pending bytes, shown to the listener. */
  private int writeNetOutOnce() throws IOException {
    ByteBuffer b = netOut.buffer();
    int start = b.position();
    int n = out.write(b);
    if (n > 0) {
      deadlines.activity(System.nanoTime());
      traffic.bytesOut += n;
      if (hellos != null) {
        hellos.sent(b, start, n);
      }
      if (listener != null) {
        listener.onTransportWrite(this, b, start, n);
      }
    }
    return n;
  }

  /** Runs delegated tasks inline, or hands one to the executor and reports TASK. */
  private TlsNeed runTasks() throws IOException {
    if (taskExecutor != null) {
      return tasks.handOff(engine, taskExecutor) ? TlsNeed.TASK : null;
    }
    tasks.runInline(engine);
    idleSteps = 0;
    return null;
  }

  /** A delegated task ended (on the executor's thread if {@code handedOff}). */
  void taskRan(long nanos, boolean handedOff) {
    TlsListener l = listener;
    if (l != null) {
      l.onTask(this, nanos, handedOff);
    }
  }

  /**
   * After the peer's close_notify a TLS 1.2 engine asks to wrap its reply (RFC 5246 section 7.2.1:
   * respond and close both directions); TLS 1.3 does not (half-close, RFC 8446 section 6.1). Sends
   * what the engine asks for and reports what is left to flush.
   */
  private TlsNeed answerCloseNotify() throws IOException {
    TlsNeed n = wrapRequestedControl();
    if (n != null) {
      return n;
    }
    syncCloseState();
    try {
      return flushNetOut() ? TlsNeed.NOTHING : TlsNeed.WRITE;
    } catch (IOException peerGone) {
      // The reply is a courtesy: a peer that sent close_notify may close its socket at once, and
      // the stream it sent still ended cleanly. Drop the reply instead of failing the read.
      netOut.release();
      return TlsNeed.NOTHING;
    }
  }

  /** Wraps close_notify (and anything queued before it) until the engine's outbound is done. */
  private TlsNeed wrapUntilOutboundDone() throws IOException {
    while (!engine.isOutboundDone()) {
      if (tasks.running()) {
        return TlsNeed.TASK;
      }
      if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
        TlsNeed n = runTasks();
        if (n != null) {
          return n;
        }
        continue;
      }
      // Obey only NEED_WRAP here: after closeOutbound an abandoned handshake may say NEED_UNWRAP
      // although nothing more will come (Jetty #4209); outbound done is the exit, not the status.
      Wrapped w = wrap(NO_DATA, 0, 1, WHY_CLOSE_WRAP);
      if (w == Wrapped.BLOCKED) {
        return TlsNeed.WRITE;
      }
      if (w == Wrapped.NOTHING) {
        break;
      }
    }
    syncCloseState();
    if (state() == TlsState.HANDSHAKING) {
      moveTo(life.with(TlsState.CLOSED));
    }
    return null;
  }

  // ---------------------------------------------------------------- server-name sniffing

  /**
   * One step before the engine exists: feeds what netIn holds to the sniffer, reads more while the
   * ClientHello is incomplete, and once it named the server makes the engine, which then unwraps
   * the same bytes from netIn. See {@link ServerNameSniff}.
   */
  private TlsNeed sniffStep() throws IOException {
    ByteBuffer b = netIn.buffer();
    if (b != null && b.hasRemaining()) {
      try {
        engine = sniff.feed(b);
      } catch (HelloRejected r) {
        throw reject(r);
      }
      if (engine != null) {
        sniffedName = sniff.serverName();
        sniff = null;
        engine.beginHandshake();
        idleSteps = 0;
        return null;
      }
    }
    return readHelloBytes();
  }

  /** Reads into netIn, growing it as the ClientHello needs up to the sniffer's limit. */
  private TlsNeed readHelloBytes() throws IOException {
    int initial = HEADER + RecordHeader.MAX_PLAINTEXT;
    if (netIn.capacity() > 0 && netIn.free() == 0) {
      netIn.grow(Math.min(2 * netIn.capacity(), ServerNameSniff.maxBuffered()));
    }
    ByteBuffer b = netIn.beginFill(1, initial);
    int n;
    try {
      n = in.read(b);
    } finally {
      netIn.endFill();
    }
    if (n > 0) {
      transportRead(n);
      return null;
    }
    netIn.releaseIfEmpty();
    if (n == 0) {
      return TlsNeed.READ;
    }
    if (listener != null) {
      listener.onTransportEof(this);
    }
    throw new SSLHandshakeException(
        "connection closed by peer during the handshake (EOF before the ClientHello was whole)");
  }

  /**
   * Refuses the ClientHello: no engine exists to wrap an alert, so the plaintext alert record goes
   * into netOut by hand and fail() writes it before it closes the transport.
   */
  private IOException reject(HelloRejected r) {
    byte[] alert = r.alertRecord();
    netOut.beginFill(alert.length, alert.length).put(alert);
    netOut.endFill();
    return fail(r, false);
  }

  private boolean inboundDone() {
    return engine != null && engine.isInboundDone();
  }

  /** The engine's handshake status; NEED_UNWRAP while a routing server waits for the hello. */
  HandshakeStatus handshakeStatus() {
    return engine != null ? engine.getHandshakeStatus() : HandshakeStatus.NEED_UNWRAP;
  }

  // ---------------------------------------------------------------- state

  /** Starts the handshake on the first call; resets the per-call no-progress guard. */
  private void begin() throws SSLException {
    idleSteps = 0;
    writeBlocked = false;
    if (state() == TlsState.NEW) {
      moveTo(life.with(TlsState.HANDSHAKING));
      // A fresh engine says NOT_HANDSHAKING; begin explicitly so both sides start the same way.
      // A routing server begins once the ClientHello made its engine (sniffStep).
      if (engine != null) {
        engine.beginHandshake();
      }
    }
  }

  /** Whether the first handshake finished: the session's negotiated facts can be read. */
  private boolean established() {
    return life.handshake().established();
  }

  private void handshakeDone() {
    // The facts first, so that the listener's handshake-finished callback can read them.
    resumed = hellos.resumed(); // both hellos are behind us: the ServerHello came before Finished
    hellos = null; // stop looking: nothing is parsed or allocated after the handshake
    renegotiable = "TLSv1.2".equals(engine.getSession().getProtocol());
    moveTo(life.with(TlsState.OPEN).with(Handshake.DONE));
    ConnectionEvents.handshakeDone(this, traffic);
    if (listener != null) {
      listener.onHandshakeFinished(this);
    }
  }

  /** Bookkeeping after an engine call: handshake completion and the no-progress guard. */
  private void afterEngineCall(HandshakeStatus hs, boolean moved) throws SSLException {
    if (moved) {
      idleSteps = 0;
    } else {
      idle();
    }
    if (state() == TlsState.HANDSHAKING && hs == HandshakeStatus.FINISHED) {
      handshakeDone();
    }
  }

  /**
   * Tracks TLS 1.2 renegotiations and enforces {@link RenegotiationPolicy} on those the peer
   * starts. Once the first handshake is over, a handshake status other than NOT_HANDSHAKING or
   * FINISHED means a renegotiation runs (TLS 1.3 has none: its KeyUpdate and NewSessionTicket never
   * reach here, see {@link #renegotiable}), unless the engine is closing (a TLS 1.2 close_notify
   * reply also says NEED_WRAP). Started by the record just unwrapped ({@code byUnwrap}): the peer's
   * ClientHello, or its HelloRequest (RFC 5246 section 7.4.1.1). Seen first before an engine call:
   * this side called {@code beginHandshake()}, and the peer's answer is part of it.
   */
  private void noticeRenegotiation(HandshakeStatus hs, boolean byUnwrap) throws IOException {
    if (state() != TlsState.OPEN) {
      return;
    }
    boolean handshaking =
        hs != HandshakeStatus.NOT_HANDSHAKING
            && hs != HandshakeStatus.FINISHED
            && !engine.isInboundDone()
            && !engine.isOutboundDone();
    if (!handshaking) {
      if (life.handshake() == Handshake.RENEGOTIATING) {
        moveTo(life.with(Handshake.DONE));
      }
      return;
    }
    if (life.handshake() == Handshake.RENEGOTIATING) {
      return;
    }
    moveTo(life.with(Handshake.RENEGOTIATING));
    if (!byUnwrap) {
      return;
    }
    peerRenegotiations++;
    if (!renegotiation.allows(peerRenegotiations)) {
      // No alert: the engine has none queued for our policy, and what it would wrap now is its
      // answer to the peer's hello. The peer sees the transport close (NOTES.md, section 1).
      throw fail(
          new SSLHandshakeException(
              "renegotiation started by the "
                  + (client ? "server" : "client")
                  + " refused (number "
                  + peerRenegotiations
                  + "; policy: "
                  + renegotiation
                  + ", TlsConfig.Builder.renegotiation)"),
          false);
    }
  }

  private void idle() throws SSLException {
    if (++idleSteps > MAX_IDLE_STEPS) {
      throw new SSLException(
          "SSLEngine made no progress in "
              + MAX_IDLE_STEPS
              + " calls (handshake status "
              + handshakeStatus()
              + ")");
    }
  }

  /** Derives the close states from the engine, the single source of truth for close_notify. */
  private void syncCloseState() {
    if (state() != TlsState.OPEN
        && state() != TlsState.INBOUND_CLOSED
        && state() != TlsState.OUTBOUND_CLOSED) {
      return;
    }
    boolean inDone = engine.isInboundDone();
    boolean outDone = engine.isOutboundDone();
    TlsState target =
        inDone && outDone
            ? TlsState.CLOSED
            : inDone ? TlsState.INBOUND_CLOSED : outDone ? TlsState.OUTBOUND_CLOSED : TlsState.OPEN;
    if (target != state()) {
      if (state().canMoveTo(target)) {
        moveTo(life.with(target));
      }
    }
  }

  /**
   * The one place the lifecycle changes: a move that the table of {@link TlsState} or of a {@link
   * Lifecycle} part does not list is a bug, not a state.
   */
  private void moveTo(Lifecycle next) {
    Lifecycle from = life;
    if (!from.canMoveTo(next)) {
      throw new IllegalStateException("illegal transition " + from + " -> " + next);
    }
    life = next;
    if (listener != null && from.state() != next.state()) {
      listener.onStateChange(this, from.state(), next.state());
    }
  }

  private void checkNotFailed() throws IOException {
    if (state() == TlsState.FAILED) {
      throw new SSLException("connection failed earlier: " + failure.getMessage(), failure);
    }
  }

  /**
   * Fails the connection: state FAILED, the engine's alert (if one is queued) sent best-effort,
   * transport closed, buffers released. Returns the exception to throw.
   */
  private IOException fail(Exception e) {
    return fail(e, true);
  }

  /**
   * Fails the connection; with {@code sendAlert} false nothing more is wrapped (a timeout or an
   * abort: whatever the engine would wrap then is its next handshake flight, not an alert).
   */
  private IOException fail(Exception e, boolean sendAlert) {
    if (e instanceof IllegalStateException && state() != TlsState.FAILED && failure == null) {
      throw (IllegalStateException) e; // misuse does not poison the connection
    }
    IOException io =
        e instanceof IOException ? (IOException) e : new SSLException("SSLEngine failed: " + e, e);
    if (state().isTerminal()) {
      if (state() == TlsState.CLOSED) {
        // CLOSED is terminal (no move to FAILED), but a transport that just failed can carry
        // nothing more: close it as after any failure, as the class doc says.
        releaseAll();
        closeTransport();
      }
      return io;
    }
    ConnectionEvents.failing(this, traffic, io);
    failure = io;
    moveTo(life.with(TlsState.FAILED));
    need = TlsNeed.NOTHING;
    sendLastWords(sendAlert);
    try {
      if (engine != null) {
        engine.closeInbound();
      }
    } catch (SSLException ignored) {
      // Expected: inbound closed without close_notify.
    }
    releaseAll();
    closeTransport();
    return io;
  }

  /**
   * Best effort, for a failing connection: the engine's alert if {@code sendAlert}, else only what
   * netOut already holds; then the engine's outbound is closed. Never throws: the original failure
   * is what the caller needs to see.
   */
  private void sendLastWords(boolean sendAlert) {
    try {
      // After an SSLException the engine usually has an alert queued (NEED_WRAP): send it so the
      // peer learns why, without waiting for anything. Only that: closeOutbound() first would make
      // the engine wrap a close_notify, and the peer would take our failure (say, a truncated
      // inbound) for an orderly end of the stream we were sending, losing what we never sent.
      if (sendAlert && engine != null) {
        // Wrapped behind what netOut still holds (a flight answering an earlier record of the same
        // read), growing it if need be, and written while the transport takes bytes.
        FailureAlert.send(engine, netOut, packetSize(), this::alertWrapped, this::writeNetOutOnce);
      } else if (netOut.hasRemaining()) {
        writeNetOutOnce(); // a timeout or abort wraps nothing more: what is already there may go
      }
      if (engine != null) {
        engine.closeOutbound();
      }
    } catch (IOException | RuntimeException ignored) {
      // Best effort only.
    }
  }

  private void alertWrapped(SSLEngineResult r) {
    if (listener != null) {
      listener.onWrap(this, WHY_ALERT_WRAP, r);
    }
  }

  private void releaseAll() {
    netIn.release();
    appIn.release();
    netOut.release();
  }

  private void closeTransport() {
    ConnectionEvents.closing(this, traffic);
    try {
      if (in instanceof Channel) {
        ((Channel) in).close();
      }
      if (out != in && out instanceof Channel) {
        ((Channel) out).close();
      }
    } catch (IOException ignored) {
      // Closing is best effort; nothing more can be sent or received either way.
    }
  }

  private long finish(long result, TlsNeed n) {
    need = settle(n);
    return result;
  }

  private TlsNeed finish(TlsNeed n) {
    need = settle(n);
    return need;
  }

  /** A call that finished but left ciphertext unflushed still waits for WRITE. */
  private TlsNeed settle(TlsNeed n) {
    if (n == TlsNeed.NOTHING && netOut.hasRemaining()) {
      try {
        if (!flushNetOut()) {
          return TlsNeed.WRITE;
        }
      } catch (IOException e) {
        return TlsNeed.WRITE; // the next call reports the error
      }
    }
    netIn.releaseIfEmpty();
    appIn.releaseIfEmpty();
    netOut.releaseIfEmpty();
    return n;
  }

  // ---------------------------------------------------------------- sizes and records

  /** The session's packet size ({@link SessionSizes}: asked once the handshake is over). */
  private int packetSize() {
    return sizes.packet(engine, state() == TlsState.HANDSHAKING);
  }

  private int appSize() {
    return sizes.app(engine, state() == TlsState.HANDSHAKING);
  }

  /**
   * Bounds a flood of records that carry no application data once the handshake is over: empty
   * records, warning alerts, KeyUpdates (each asking for an answer), renegotiations. The engine
   * answers each without complaint, so a peer could keep a connection and a CPU busy without
   * sending a byte of data (OpenSSL stops at 32 empty records in a row, MAX_EMPTY_RECORDS). Such
   * records must stay proportional to the data exchanged: {@link TlsConfig#maxRecordsWithoutData}
   * to start with, plus one for each data record either way. Not simply "in a row": an uploader
   * whose keys reach their limit legitimately gets a KeyUpdate answer per 2^N bytes it sends, and
   * no data back (KeyUpdateTest, with jdk.tls.keyLimits at 2^16).
   */
  private void countRecordWithoutData(int plaintextBytes) throws SSLException {
    if (state() == TlsState.HANDSHAKING) {
      return;
    }
    if (plaintextBytes > 0) {
      controlRecordAllowance++;
      return;
    }
    if (--controlRecordAllowance < 0) {
      throw new SSLException(
          "the peer sent more records without application data (empty records, warning alerts,"
              + " KeyUpdates or renegotiations) than allowed: "
              + maxRecordsWithoutData
              + " plus one per data record exchanged (TlsConfig.Builder.maxRecordsWithoutData)");
    }
  }

  /** The next record's fragment length from its 5-byte header, or MAX_VALUE if not all here. */
  private int nextRecordLength() {
    ByteBuffer b = netIn.buffer();
    if (b == null || b.remaining() < HEADER) {
      return Integer.MAX_VALUE;
    }
    return RecordHeader.length(b, b.position());
  }

  /** Whether {@code dsts} have room for all the plaintext the next record can hold. */
  private boolean fitsDirectly(ByteBuffer[] dsts, int offset, int length) {
    return remaining(dsts, offset, length) >= nextRecordLength() - MIN_RECORD_EXPANSION;
  }

  /** Whether the next buffered record's header says application_data (23). */
  private boolean applicationDataRecordNext() {
    ByteBuffer b = netIn.buffer();
    return b != null
        && b.hasRemaining()
        && RecordHeader.type(b, b.position()) == RecordHeader.APPLICATION_DATA;
  }

  private boolean completeRecordBuffered() {
    ByteBuffer b = netIn.buffer();
    return b != null && RecordHeader.isComplete(b, b.position(), b.limit());
  }

  void bufferEvent(BufferRole role, BufferEvent event, int capacity) {
    if (listener != null) {
      listener.onBuffer(this, role, event, capacity);
    }
  }

  private static boolean hasRemaining(ByteBuffer[] bufs, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (bufs[i].hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  private static long remaining(ByteBuffer[] bufs, int offset, int length) {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      n += bufs[i].remaining();
    }
    return n;
  }

  @Override
  public String toString() {
    return "TlsConnection["
        + (client ? "client " : "server ")
        + state()
        + " need="
        + need
        + " "
        + netIn
        + " "
        + appIn
        + " "
        + netOut
        + "]";
  }
}
