package dev.tlsloop.props;

import dev.tlsloop.BufferSizes;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSession;

/**
 * Drives a client and a server {@link TlsConnection} over non-blocking transports from one thread,
 * in rounds, the way an event loop would, and checks the contracts after every single call:
 *
 * <ul>
 *   <li>every byte read equals the byte sent at that offset (never bytes that were not sent);
 *   <li>a call that moves no application byte says what it waits for ({@link TlsConnection#need()}
 *       is not NOTHING), and makes at most {@link #MAX_ZERO_IO_PER_CALL} transport calls that move
 *       nothing (no spin inside a call);
 *   <li>at most {@link #MAX_IDLE_ROUNDS} rounds in a row move nothing at all (no livelock, no
 *       deadlock: a blocked side unblocks once the transport can move bytes);
 *   <li>the three buffers stay within the cap the session allows (see {@link #checkBuffers}).
 * </ul>
 *
 * <p>A side marked {@link Side#selectorLoop} is instead called only when a selector would report it
 * ({@link #loopTurn}), so that what an embedder relies on ({@link TlsConnection#hasBuffered()},
 * {@link TlsConnection#hasPendingOutput()}, {@link TlsConnection#need()}) is checked too: a
 * connection that strands input stalls it.
 *
 * <p>Each side writes its payload, reads the peer's, and shuts its output (close_notify) only once
 * it has sent and received everything, so the same script fits TLS 1.2 (duplex close) and 1.3
 * (half-close). It then reads until -1.
 */
final class Conversation {
  /**
   * Rounds in a row in which no byte moves anywhere. A scripted transport would-blocks at most
   * {@link ScriptedTransport#MAX_WOULD_BLOCK_RUN} times in a row per operation, and every round
   * calls each operation of each side at least once, so a working loop moves something within that
   * many rounds; twice that plus slack is the bound.
   */
  static final int MAX_IDLE_ROUNDS = 2 * ScriptedTransport.MAX_WOULD_BLOCK_RUN + 2;

  /**
   * Transport calls in a row that move nothing, within one connection call: at most a flush of
   * netOut and a read of netIn, and the final flush of a finishing call (plus one spare). More is a
   * spin. (Zero calls between calls that moved bytes do not count.)
   *
   * <p>This bound found a bug: once a write returned 0, TlsConnection retried it before every
   * further record it unwrapped in the same call, so a read that unwrapped several buffered records
   * while a KeyUpdate reply waited behind a full transport made one failed write per record
   * (shrunk: TLS 1.3, client to server, 8 bytes written 1 at a time, client KeyUpdate at offset 0,
   * script [119], window 122). The connection now remembers a refused write until the next call.
   */
  static final int MAX_ZERO_IO_PER_CALL = 4;

  /** Over real sockets: a loop that moves nothing for this long is stuck (a transfer takes ms). */
  private static final long STALL_NANOS = 2_000_000_000L;

  /** Calls per side and round while they make progress: keeps rounds short but not trivial. */
  private static final int CALLS_PER_ROUND = 64;

  /** What the driver can count on a transport. */
  interface Metered {
    long moved();

    long zeroCalls();

    /** The longest run of transport calls in a row that moved nothing, since the last take. */
    default int takeMaxZeroRun() {
      return 0;
    }

    /** The transport calls since the last take, if recorded. */
    default String takeTrace() {
      return "";
    }

    /**
     * Whether a selector would report this transport readable: bytes wait in it, or its end (EOF
     * and errors count as ready, as with a socket). Transports that cannot tell say true.
     */
    default boolean readable() {
      return true;
    }

    /** Whether a selector would report this transport writable (room, or an error to report). */
    default boolean writable() {
      return true;
    }
  }

  enum Direction {
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT,
    BOTH
  }

  /** How the application uses its buffers: sizes, heap/direct, gathering and scattering calls. */
  record Caller(int readSize, int writeSize, boolean direct, boolean gather, boolean scatter) {
    @Override
    public String toString() {
      return "Caller[read "
          + readSize
          + (scatter ? " x3 scattering" : "")
          + ", write "
          + writeSize
          + (gather ? " gathering all at once" : " one buffer at a time")
          + (direct ? ", direct" : ", heap")
          + "]";
    }
  }

  /** One endpoint and its bookkeeping. */
  static final class Side {
    final String name;
    final TlsConnection conn;
    final Metered io;
    final StreamBytes out;
    final StreamBytes in;
    final Caller caller;

    /**
     * Whether this side is driven like a selector loop (see {@link Conversation#loopTurn}) rather
     * than called every round.
     */
    boolean selectorLoop;

    /** The selector loop's interest in writability, as set at the end of its last turn. */
    boolean opWrite;

    /**
     * Whether the selector loop has had its first turn (registration: it calls without an event).
     */
    boolean registered;

    /** Offsets of our stream before which {@code engine().beginHandshake()} is called. */
    final long[] renegotiateAt;

    int nextRenegotiation;
    int renegotiations;
    long accepted;
    long received;
    boolean eof;
    boolean shutRequested;
    boolean shutDone;
    IOException failure;
    TlsState failedIn;
    int maxPacket;
    int maxApp;
    int[] maxCapacities = new int[3];
    private ByteBuffer src;
    private ByteBuffer[] pieces;
    private int firstPiece;
    private final ByteBuffer[] dsts;

    Side(
        String name,
        TlsConnection conn,
        Metered io,
        StreamBytes out,
        StreamBytes in,
        Caller caller,
        long[] renegotiateAt) {
      this.name = name;
      this.conn = conn;
      this.io = io;
      this.out = out;
      this.in = in;
      this.caller = caller;
      this.renegotiateAt = renegotiateAt;
      this.dsts = new ByteBuffer[caller.scatter() ? 3 : 1];
      for (int i = 0; i < dsts.length; i++) {
        dsts[i] = allocate(caller.readSize());
      }
      if (caller.gather()) {
        // One gathering write of the whole payload, in pieces of writeSize bytes.
        int count = (int) ((out.length + caller.writeSize() - 1) / caller.writeSize());
        pieces = new ByteBuffer[count];
        long off = 0;
        for (int i = 0; i < count; i++) {
          int n = (int) Math.min(caller.writeSize(), out.length - off);
          pieces[i] = allocate(n);
          out.fill(pieces[i], off);
          pieces[i].flip();
          off += n;
        }
      } else {
        src = allocate(caller.writeSize());
        src.flip();
      }
    }

    private ByteBuffer allocate(int n) {
      return caller.direct() ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
    }

    boolean failed() {
      return failure != null;
    }

    boolean done() {
      if (keepOpen) {
        return failed()
            || (conn.state() == TlsState.OPEN
                && accepted == out.length
                && received == in.length
                && !conn.hasPendingOutput());
      }
      return failed() || (eof && shutDone && !conn.hasPendingOutput());
    }

    /** Stop once everything was exchanged, without closing (for idle checks). */
    boolean keepOpen;

    boolean open() {
      TlsState s = conn.state();
      return s == TlsState.OPEN || s == TlsState.INBOUND_CLOSED || s == TlsState.OUTBOUND_CLOSED;
    }

    @Override
    public String toString() {
      return name
          + "{"
          + conn
          + " accepted="
          + accepted
          + "/"
          + out.length
          + " received="
          + received
          + "/"
          + in.length
          + (eof ? " eof" : "")
          + (shutDone ? " shut" : shutRequested ? " shutting" : "")
          + (renegotiations > 0 ? " handshakesForced=" + renegotiations : "")
          + (failure != null ? " failure=" + failure : "")
          + "}";
    }
  }

  final Side client;
  final Side server;

  /** Faults are injected: a side may fail (recorded, not thrown); wrong bytes still fail. */
  boolean faultsExpected;

  /** Real sockets: no idle-round bound (the kernel decides timing), only the deadline. */
  boolean realTime;

  /** Runs once, after the call in which both sides were first OPEN. */
  Runnable onBothOpen = () -> {};

  /** Runs after every connection call (e.g. to half-close a link once close_notify is out). */
  Runnable afterCall = () -> {};

  /**
   * Called when nothing moved for {@link #MAX_IDLE_ROUNDS} rounds and faults are expected: may end
   * the stall (say, by closing the transport as a timeout would) and return true, or return false
   * to fail the run as a hang.
   */
  QuiescenceHandler onQuiescence = (c) -> false;

  long deadlineNanos = 60_000_000_000L;

  int rounds;
  int idleRounds;
  int maxIdleRounds;
  int maxZeroIoPerCall;
  boolean bothOpenSeen;
  final List<String> notes = new ArrayList<>();

  /** The stall handler. */
  interface QuiescenceHandler {
    boolean handle(Conversation c);
  }

  Conversation(Side client, Side server) {
    this.client = client;
    this.server = server;
  }

  Side peerOf(Side s) {
    return s == client ? server : client;
  }

  /** Runs until both sides are done (or failed, when faults are expected). */
  Conversation run() throws IOException {
    long deadline = System.nanoTime() + deadlineNanos;
    long lastProgress = System.nanoTime();
    Side[] order = {client, server};
    while (!(client.done() && server.done())) {
      rounds++;
      long before = client.io.moved() + server.io.moved() + client.received + server.received;
      before += client.accepted + server.accepted;
      for (Side s : order) {
        if (!s.done() || s.keepOpen) {
          if (s.selectorLoop) {
            loopTurn(s);
          } else {
            writeStep(s);
            readStep(s);
          }
        }
      }
      // Alternate who goes first, so neither side always sees the other's latest output.
      Side t = order[0];
      order[0] = order[1];
      order[1] = t;
      long after = client.io.moved() + server.io.moved() + client.received + server.received;
      after += client.accepted + server.accepted;
      if (after == before) {
        idleRounds++;
        maxIdleRounds = Math.max(maxIdleRounds, idleRounds);
        if (!realTime && idleRounds > MAX_IDLE_ROUNDS) {
          if (faultsExpected && onQuiescence.handle(this)) {
            notes.add("stalled after round " + rounds + ", stall handled");
            idleRounds = 0;
          } else {
            throw new AssertionError(
                "no progress for " + idleRounds + " rounds (livelock or deadlock): " + this);
          }
        }
        if (realTime) {
          Thread.onSpinWait();
          if (System.nanoTime() - lastProgress > STALL_NANOS) {
            throw new AssertionError("nothing moved for 2 s over real sockets: " + this);
          }
        }
      } else {
        idleRounds = 0;
        lastProgress = System.nanoTime();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not finished after " + rounds + " rounds: " + this);
      }
    }
    return this;
  }

  /** Asserts the clean ending: all bytes both ways and both sides CLOSED. */
  void assertCleanEnd() {
    for (Side s : new Side[] {client, server}) {
      if (s.failed()) {
        throw new AssertionError(s.name + " failed: " + s.failure + " in " + this, s.failure);
      }
      check(s.received == s.in.length, s.name + " received " + s.received + " of " + s.in.length);
      check(s.accepted == s.out.length, s.name + " sent " + s.accepted + " of " + s.out.length);
      check(s.conn.state() == TlsState.CLOSED, s.name + " ends in " + s.conn.state());
    }
  }

  /**
   * One turn of a selector loop, the way an embedder drives a connection (README "Non-blocking
   * use", NOTES.md section 9 "Embedding tlsloop"): the side is called only if a selector would
   * report it, that is its transport is readable (it always watches OP_READ until -1), or writable
   * while it watches OP_WRITE, or the connection said {@link TlsConnection#hasBuffered()} at the
   * end of the last turn (the loop keeps such connections on its ready list). It reads only while
   * {@link #mayRead} (the transport is readable, {@code hasBuffered()}, or the end of stream is
   * held back), then writes (every turn, whatever woke it), and watches OP_WRITE while {@link
   * TlsConnection#hasPendingOutput()}, while the last call waits for WRITE, or while it has more to
   * send and the last call waited for nothing.
   *
   * <p>The other side is driven eagerly, so a connection that strands input (records in netIn that
   * {@code hasBuffered()} does not report) or leaves output unreported stops this side, and the
   * idle-round bound reports the stall within a few rounds.
   */
  private void loopTurn(Side s) throws IOException {
    if (s.failed()) {
      return;
    }
    boolean readReady = !s.eof && s.io.readable();
    boolean writeReady = s.opWrite && s.io.writable();
    if (s.registered && !readReady && !writeReady && !s.conn.hasBuffered()) {
      return; // select() would not return this key
    }
    s.registered = true;
    if (s.conn.state() != TlsState.NEW) {
      // Read first, so that the write below sees a handshake the read may just have finished.
      readStep(s);
    }
    writeStep(s);
    if (s.failed()) {
      return;
    }
    TlsNeed last = s.conn.need();
    boolean shutDue =
        !s.shutDone
            && !s.keepOpen
            && s.accepted == s.out.length
            && s.received == s.in.length
            && s.conn.state() != TlsState.NEW
            && s.conn.state() != TlsState.HANDSHAKING;
    boolean moreToSend = s.accepted < s.out.length || shutDue;
    s.opWrite =
        s.conn.hasPendingOutput()
            || last == TlsNeed.WRITE
            || (moreToSend && last == TlsNeed.NOTHING);
  }

  private void writeStep(Side s) throws IOException {
    if (s.failed()) {
      return;
    }
    if (s.conn.state() == TlsState.NEW) {
      callNeed(s, () -> s.conn.handshake());
      if (s.failed()) {
        return;
      }
    }
    for (int i = 0; i < CALLS_PER_ROUND && s.accepted < s.out.length && !s.failed(); i++) {
      maybeRenegotiate(s);
      long n;
      if (s.pieces != null) {
        while (s.firstPiece < s.pieces.length && !s.pieces[s.firstPiece].hasRemaining()) {
          s.firstPiece++;
        }
        int from = s.firstPiece;
        n = call(s, () -> s.conn.write(s.pieces, from, s.pieces.length - from));
      } else {
        if (!s.src.hasRemaining()) {
          s.src.clear();
          long filled = s.accepted;
          s.out.fill(s.src, filled);
          s.src.flip();
        }
        n = call(s, () -> s.conn.write(s.src));
      }
      if (n < 0) {
        return; // failed
      }
      s.accepted += n;
      if (n == 0) {
        check(
            s.conn.need() != TlsNeed.NOTHING,
            s.name + ": write took 0 bytes but need() is NOTHING: " + this);
        return;
      }
    }
    if (s.failed()) {
      return;
    }
    if (s.accepted == s.out.length
        && s.received == s.in.length
        && !s.shutDone
        && !s.keepOpen
        && s.conn.state() != TlsState.NEW
        && s.conn.state() != TlsState.HANDSHAKING) {
      s.shutRequested = true;
      TlsNeed n = callNeed(s, () -> s.conn.shutdownOutput());
      s.shutDone = n == TlsNeed.NOTHING;
    } else if (s.selectorLoop && s.conn.state() == TlsState.HANDSHAKING) {
      // flush() only writes what netOut holds; mid-handshake the engine may want to wrap more
      // (TLS 1.2: ChangeCipherSpec and Finished are separate wraps), and only a call that drives
      // the engine does that. A loop answering OP_WRITE with flush() stalled here.
      callNeed(s, () -> s.conn.handshake());
    } else if (s.conn.hasPendingOutput()) {
      callNeed(s, () -> s.conn.flush());
    }
  }

  private void maybeRenegotiate(Side s) throws IOException {
    if (s.nextRenegotiation < s.renegotiateAt.length
        && s.accepted + s.received >= s.renegotiateAt[s.nextRenegotiation]
        && s.conn.state() == TlsState.OPEN
        && !s.shutRequested
        && !s.conn.engine().isOutboundDone()
        && !s.conn.engine().isInboundDone()) {
      s.nextRenegotiation++;
      s.renegotiations++;
      // TLS 1.3: a KeyUpdate; TLS 1.2: a renegotiation (HelloRequest from the server).
      s.conn.engine().beginHandshake();
    }
  }

  /**
   * Whether a selector loop may call read now: new bytes or EOF in the transport, or what the
   * connection says it holds ({@code hasBuffered()}, which includes an end of stream taken in but
   * not yet reported: TLS 1.3 hides record types, so a read that returns data may already have
   * unwrapped the close_notify right behind it).
   */
  private static boolean mayRead(Side s) {
    return !s.selectorLoop || s.io.readable() || s.conn.hasBuffered();
  }

  private void readStep(Side s) throws IOException {
    if (!s.failed() && mayRead(s)) {
      maybeRenegotiate(s);
    }
    for (int i = 0; i < CALLS_PER_ROUND && !s.eof && !s.failed() && mayRead(s); i++) {
      for (ByteBuffer d : s.dsts) {
        d.clear();
      }
      long n = call(s, () -> s.conn.read(s.dsts, 0, s.dsts.length));
      if (s.failed()) {
        return;
      }
      if (n == -1) {
        s.eof = true;
        check(
            s.received == s.in.length,
            s.name
                + ": clean end of stream (-1) after "
                + s.received
                + " of "
                + s.in.length
                + " bytes: "
                + this);
        return;
      }
      if (n > 0) {
        long off = s.received;
        for (ByteBuffer d : s.dsts) {
          int got = d.position();
          if (got > 0) {
            s.in.verifyBefore(d, got, off, s.name);
            off += got;
          }
        }
        check(off - s.received == n, s.name + ": read returned " + n + " but filled " + off);
        s.received = off;
      } else {
        check(
            s.conn.need() != TlsNeed.NOTHING || s.conn.hasBuffered(),
            s.name + ": read returned 0 but need() is NOTHING and nothing is buffered: " + this);
        if (!s.conn.hasBuffered()) {
          return;
        }
      }
    }
  }

  /** A connection call. */
  interface Call {
    long run() throws IOException;
  }

  /** A connection call returning a need. */
  interface NeedCall {
    TlsNeed run() throws IOException;
  }

  private TlsNeed callNeed(Side s, NeedCall c) throws IOException {
    TlsNeed[] result = {TlsNeed.NOTHING};
    call(
        s,
        () -> {
          result[0] = c.run();
          return 0;
        });
    return result[0];
  }

  /** Makes one call with all the per-call checks; returns its result or -2 if the side failed. */
  private long call(Side s, Call c) throws IOException {
    observeSizes(s);
    s.io.takeTrace();
    s.io.takeMaxZeroRun();
    long r;
    try {
      r = c.run();
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalStateException) {
        throw new AssertionError(s.name + ": misuse reported: " + e + " in " + this, e);
      }
      if (!faultsExpected) {
        throw new AssertionError(s.name + " failed: " + e + " in " + this, e);
      }
      s.failure = e instanceof IOException ? (IOException) e : new IOException(e);
      s.failedIn = s.conn.state();
      check(
          s.conn.state() == TlsState.FAILED || s.conn.state() == TlsState.CLOSED,
          s.name + " threw " + e + " but is " + s.conn.state());
      afterCall.run();
      return -2;
    }
    int zeros = s.io.takeMaxZeroRun();
    maxZeroIoPerCall = Math.max(maxZeroIoPerCall, zeros);
    if (!realTime) {
      check(
          zeros <= MAX_ZERO_IO_PER_CALL,
          s.name
              + ": one call made "
              + zeros
              + " transport calls in a row that moved nothing (spin):"
              + s.io.takeTrace()
              + " in "
              + this);
    }
    observeSizes(s);
    checkBuffers(s);
    if (!bothOpenSeen && client.open() && server.open()) {
      bothOpenSeen = true;
      onBothOpen.run();
    }
    afterCall.run();
    return r;
  }

  /** Remembers the largest packet and application sizes either session has reported. */
  private static void observeSizes(Side s) {
    SSLSession session = s.conn.engine().getSession();
    s.maxPacket = Math.max(s.maxPacket, session.getPacketBufferSize());
    s.maxApp = Math.max(s.maxApp, session.getApplicationBufferSize());
    SSLSession hs = s.conn.engine().getHandshakeSession();
    if (hs != null) {
      s.maxPacket = Math.max(s.maxPacket, hs.getPacketBufferSize());
      s.maxApp = Math.max(s.maxApp, hs.getApplicationBufferSize());
    }
  }

  /**
   * The cap asserted: netIn and netOut never exceed {@link #BATCH_PACKETS} times the largest packet
   * buffer size the session (or the handshake session) has reported so far (they batch several
   * records per transport call), appIn never exceeds the largest application buffer size reported
   * so far. Any larger buffer is memory the connection did not need.
   */
  /** TlsConnection.BATCH_PACKETS: netIn and netOut hold up to this many packets. */
  static final int BATCH_PACKETS = 2;

  private void checkBuffers(Side s) {
    BufferSizes b = s.conn.bufferCapacities();
    int[] cap = {b.netIn(), b.appIn(), b.netOut()};
    for (int i = 0; i < 3; i++) {
      s.maxCapacities[i] = Math.max(s.maxCapacities[i], cap[i]);
    }
    check(
        cap[0] <= BATCH_PACKETS * s.maxPacket
            && cap[2] <= BATCH_PACKETS * s.maxPacket
            && cap[1] <= s.maxApp,
        s.name
            + ": buffers netIn/appIn/netOut = "
            + cap[0]
            + "/"
            + cap[1]
            + "/"
            + cap[2]
            + " exceed the cap (2 x packet "
            + s.maxPacket
            + ", application "
            + s.maxApp
            + "): "
            + this);
  }

  static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }

  @Override
  public String toString() {
    return "round " + rounds + " " + client + " " + server;
  }
}
