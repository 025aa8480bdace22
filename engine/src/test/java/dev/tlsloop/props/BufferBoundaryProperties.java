package dev.tlsloop.props;

import dev.tlsloop.BufferSizes;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import dev.tlsloop.TlsTruncationException;
import dev.tlsloop.props.Conversation.Caller;
import dev.tlsloop.props.Conversation.Direction;
import dev.tlsloop.props.Conversation.Side;
import dev.tlsloop.props.ScriptedTransport.Link;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.net.ssl.SSLException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties that fuzz buffer boundaries: TLS records against transport reads and writes of any
 * size (1 byte, the 5-byte header, a record and a half...), would-blocks, caller buffers from 1
 * byte to 64 KiB, heap and direct, and faults (a flipped byte, EOF anywhere). TLS 1.2 and 1.3,
 * client to server, server to client and both at once. Driven by {@link Conversation} over a {@link
 * ScriptedTransport}; every try also checks the per-call progress and buffer-cap contracts. The
 * receiving end (the server when both send) runs as a selector loop, so every property also fuzzes
 * the never-strand contract: {@code hasBuffered()} and {@code hasPendingOutput()}.
 *
 * <p>Run (note the slashes: {@code -Dtest='dev.tlsloop.props.*'} selects nothing in Surefire 3.5):
 * {@code mvn -B -ntp -q -pl engine test -Dtest='dev/tlsloop/props/*'
 * -Dsurefire.failIfNoSpecifiedTests=false}
 *
 * <p>Replay a failure: jqwik prints {@code seed = <n>} above the shrunk sample; run {@code mvn -B
 * -ntp -q -pl engine test -Dtest='BufferBoundaryProperties#<method>'
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtlsloop.props.seed=<n>}. (Without the switch jqwik
 * tries the last failing sample first anyway, from {@code engine/.jqwik-database}.)
 *
 * <p>Soak: add {@code -Dtlsloop.soak=100} to multiply every property's tries by 100 (see {@link
 * PropsSettings} for the other switches).
 */
@AddLifecycleHook(PropsSettings.class)
class BufferBoundaryProperties {
  /** Per-try wall-clock limit: a spin inside one connection call cannot hang the suite. */
  private static final long TRY_SECONDS = PropsSettings.trySeconds();

  // ------------------------------------------------------------------ 1. integrity

  /** Property 1: any chunking, caller buffers and write pattern: the bytes arrive intact. */
  @Property(tries = 40)
  void bytesArriveIntactInOrderAndBothSidesEndClosed(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("payloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("scripts") List<Integer> script,
      @ForAll("windows") int window,
      @ForAll boolean directEngineBuffers)
      throws Exception {
    Statistics.collect(protocol, direction);
    within(
        TRY_SECONDS,
        () -> {
          ScriptedTransport wire = new ScriptedTransport(script, window);
          Conversation c =
              conversation(protocol, direction, size, caller, wire, directEngineBuffers, false);
          c.run().assertCleanEnd();
          closeBoth(c);
          return null;
        });
  }

  // ------------------------------------------------------------------ 2. progress

  /**
   * Property 2: every call moves bytes or says what it waits for, a call never spins on the
   * transport, and at most {@link Conversation#MAX_IDLE_ROUNDS} rounds in a row move nothing (the
   * checks are in {@link Conversation}); this property leans on would-blocks and tiny windows.
   */
  @Property(tries = 40)
  void everyCallMovesBytesOrSaysWhatItWaitsForAndNothingSpins(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("smallPayloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("stingyScripts") List<Integer> script,
      @ForAll("smallWindows") int window)
      throws Exception {
    Statistics.collect(protocol, direction);
    within(
        TRY_SECONDS,
        () -> {
          ScriptedTransport wire = new ScriptedTransport(script, window);
          Conversation c = conversation(protocol, direction, size, caller, wire, false, false);
          c.run().assertCleanEnd();
          Conversation.check(
              c.maxZeroIoPerCall <= Conversation.MAX_ZERO_IO_PER_CALL, "zero I/O per call");
          closeBoth(c);
          return null;
        });
  }

  // ------------------------------------------------------------------ 3. corruption

  /**
   * Property 3a: one flipped byte anywhere after the handshake makes the receiving side fail with
   * an SSLException; no byte that was not sent is ever delivered, and nothing hangs.
   */
  @Property(tries = 40)
  void aFlippedByteAfterTheHandshakeFailsTheReceiverAndNeverDeliversWrongBytes(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("smallPayloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("scripts") List<Integer> script,
      @ForAll boolean towardServer,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double where,
      @ForAll("masks") int mask)
      throws Exception {
    within(
        TRY_SECONDS,
        () -> {
          // A clean run first measures how many bytes cross the link after the handshake.
          long[] base = new long[1];
          ScriptedTransport clean = new ScriptedTransport(script, Integer.MAX_VALUE);
          Conversation c = unresumed(protocol, direction, size, caller, clean);
          Link cleanLink = towardServer ? clean.toServer : clean.toClient;
          c.onBothOpen = () -> base[0] = cleanLink.written;
          c.run().assertCleanEnd();
          closeBoth(c);
          long after = cleanLink.written - base[0];
          long offset = (long) Math.floor(where * after);

          ScriptedTransport wire = new ScriptedTransport(script, Integer.MAX_VALUE);
          Link link = towardServer ? wire.toServer : wire.toClient;
          Conversation f = unresumed(protocol, direction, size, caller, wire);
          f.faultsExpected = true;
          link.flipMask = (byte) mask;
          f.onBothOpen = () -> link.flipAt = link.written + offset;
          Side receiver = towardServer ? f.server : f.client;
          f.onQuiescence = stallIsAPendingRecord(wire, link, receiver);
          f.run();
          boolean ignorable = link.flipped && link.isRecordVersionByte(link.flipAt);
          stat(
              "flip after handshake",
              protocol,
              !link.flipped ? "not reached" : ignorable ? "record version byte" : "flipped");
          if (!link.flipped || (ignorable && !receiver.failed())) {
            f.assertCleanEnd();
            closeBoth(f);
            return null;
          }
          Conversation.check(
              receiver.failure instanceof SSLException,
              receiver.name
                  + " received a flipped byte at offset "
                  + link.flipAt
                  + " ("
                  + link.around(link.flipAt)
                  + "; "
                  + link.records()
                  + ") but did not fail with an SSLException: "
                  + f);
          Conversation.check(!receiver.eof, receiver.name + " saw a clean end of stream: " + f);
          closeBoth(f);
          return null;
        });
  }

  /** Property 3b: one flipped byte during the handshake fails it on at least one side. */
  @Property(tries = 30)
  void aFlippedByteDuringTheHandshakeFailsIt(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("scripts") List<Integer> script,
      @ForAll boolean towardServer,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double where,
      @ForAll("masks") int mask)
      throws Exception {
    Caller caller = new Caller(4096, 4096, false, false, false);
    within(
        TRY_SECONDS,
        () -> {
          long[] handshakeBytes = new long[1];
          ScriptedTransport clean = new ScriptedTransport(script, Integer.MAX_VALUE);
          Conversation c = unresumed(protocol, direction, 1000, caller, clean);
          Link cleanLink = towardServer ? clean.toServer : clean.toClient;
          c.onBothOpen = () -> handshakeBytes[0] = cleanLink.written;
          c.run().assertCleanEnd();
          closeBoth(c);

          ScriptedTransport wire = new ScriptedTransport(script, Integer.MAX_VALUE);
          Link link = towardServer ? wire.toServer : wire.toClient;
          link.flipAt = (long) Math.floor(where * handshakeBytes[0]);
          link.flipMask = (byte) mask;
          Conversation f = unresumed(protocol, direction, 1000, caller, wire);
          f.faultsExpected = true;
          f.onQuiescence = closeOnStall(wire);
          f.run();
          Assume.that(link.flipped); // the handshake came out a byte or two shorter this time
          boolean ignorable = link.isRecordVersionByte(link.flipAt);
          stat(
              "flip in handshake",
              protocol,
              towardServer ? "to server" : "to client",
              ignorable ? "record version byte" : "covered byte");
          if (ignorable && !f.client.failed() && !f.server.failed()) {
            f.assertCleanEnd();
            closeBoth(f);
            return null;
          }
          Conversation.check(
              f.client.failure instanceof SSLException || f.server.failure instanceof SSLException,
              "a byte flipped at offset "
                  + link.flipAt
                  + " of the handshake ("
                  + handshakeBytes[0]
                  + " bytes; "
                  + link.around(link.flipAt)
                  + "; "
                  + link.records()
                  + ") failed neither side: "
                  + f);
          closeBoth(f);
          return null;
        });
  }

  // ------------------------------------------------------------------ 4. truncation

  /** Where the transport ends. */
  enum Cut {
    /** At a fraction of all bytes the link carries. */
    ANYWHERE,
    /** One byte before the end, i.e. inside the close_notify record. */
    LAST_BYTE,
    /** Right after the close_notify (the writer half-closes its socket once it is out). */
    AFTER_CLOSE_NOTIFY
  }

  /**
   * Property 4: EOF before close_notify is an error, never a clean -1; after it, -1. Checked on
   * both sides: the side whose inbound was cut, and its peer, which must not read a clean end of a
   * stream the failed side never closed.
   *
   * <p>Found a bug ({@code -Dtlsloop.props.seed=8243422027355251392} replays it): {@code
   * TlsConnection.fail()} used to call {@code engine.closeOutbound()} and wrap, which sent a
   * close_notify; a client failed by a truncated inbound made the server read -1 after 192 of 193
   * bytes. Now a failing side sends only the alert the engine queued.
   */
  @Property(tries = 40)
  void eofBeforeCloseNotifyIsAnErrorAndAfterItTheEndOfStream(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("smallPayloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("scripts") List<Integer> script,
      @ForAll boolean towardServer,
      @ForAll Cut cut,
      @ForAll @DoubleRange(min = 0, max = 1, maxIncluded = false) double where)
      throws Exception {
    within(
        TRY_SECONDS,
        () -> {
          ScriptedTransport clean = new ScriptedTransport(script, Integer.MAX_VALUE);
          Conversation c = unresumed(protocol, direction, size, caller, clean);
          c.run().assertCleanEnd();
          closeBoth(c);
          long total = (towardServer ? clean.toServer : clean.toClient).written;

          ScriptedTransport wire = new ScriptedTransport(script, Integer.MAX_VALUE);
          Link link = towardServer ? wire.toServer : wire.toClient;
          Conversation f = unresumed(protocol, direction, size, caller, wire);
          f.faultsExpected = true;
          Side writer = towardServer ? f.client : f.server;
          Side reader = towardServer ? f.server : f.client;
          switch (cut) {
            case ANYWHERE:
              link.eofAt = (long) Math.floor(where * total);
              break;
            case LAST_BYTE:
              link.eofAt = total - 1;
              break;
            default:
              f.afterCall =
                  () -> {
                    if (writer.shutDone && !writer.conn.hasPendingOutput()) {
                      link.shutWriter();
                    }
                  };
          }
          f.run();
          // Cut before the writer's last byte, or before it could even send its close_notify.
          boolean truncated =
              link.eofAt < link.written || (link.eofAt != Long.MAX_VALUE && !writer.shutDone);
          stat("truncation", protocol, cut, truncated ? "truncated" : "whole");
          if (!truncated) {
            f.assertCleanEnd();
          } else {
            Conversation.check(
                !reader.eof,
                reader.name + " returned -1 although the transport ended at " + link + ": " + f);
            Conversation.check(
                reader.failure instanceof SSLException,
                reader.name + " did not fail with an SSLException: " + f);
            if (reader.failedIn != null && link.eofAt > 0 && reader.conn.failure() != null) {
              boolean afterHandshake = reader.failure.getMessage().contains("truncated");
              stat("failure", reader.failure.getClass().getSimpleName());
              Conversation.check(
                  afterHandshake
                      || reader.failure instanceof javax.net.ssl.SSLHandshakeException
                      || !(reader.failure instanceof TlsTruncationException),
                  "unexpected failure " + reader.failure);
            }
          }
          closeBoth(f);
          return null;
        });
  }

  // ------------------------------------------------------------------ 5. bounded memory

  /**
   * Property 5a: netIn and netOut never exceed the largest packet buffer size the session has
   * reported, appIn never the largest application buffer size (checked after every call by {@link
   * Conversation}), with and without idle release, heap and direct.
   */
  @Property(tries = 30)
  void buffersNeverExceedTheSessionSizes(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("smallPayloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("scripts") List<Integer> script,
      @ForAll("windows") int window,
      @ForAll boolean directEngineBuffers,
      @ForAll boolean release)
      throws Exception {
    within(
        TRY_SECONDS,
        () -> {
          ScriptedTransport wire = new ScriptedTransport(script, window);
          Conversation c =
              conversation(protocol, direction, size, caller, wire, directEngineBuffers, release);
          c.run().assertCleanEnd();
          stat("buffers", protocol, release ? "release" : "keep");
          for (Side s : new Side[] {c.client, c.server}) {
            int[] m = s.maxCapacities;
            Conversation.check(
                m[0] <= Conversation.BATCH_PACKETS * s.maxPacket
                    && m[2] <= Conversation.BATCH_PACKETS * s.maxPacket
                    && m[1] <= s.maxApp,
                s.name + " max capacities " + Arrays.toString(m));
          }
          closeBoth(c);
          return null;
        });
  }

  /** Property 5b: with idle release on, an idle OPEN connection holds no buffer at all. */
  @Property(tries = 20)
  void anIdleOpenConnectionHoldsNoBuffersWhenReleaseIsOn(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("smallPayloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("scripts") List<Integer> script,
      @ForAll("windows") int window,
      @ForAll boolean directEngineBuffers)
      throws Exception {
    Statistics.collect(protocol, direction);
    within(
        TRY_SECONDS,
        () -> {
          ScriptedTransport wire = new ScriptedTransport(script, window);
          Conversation c =
              conversation(protocol, direction, size, caller, wire, directEngineBuffers, true);
          c.client.keepOpen = true;
          c.server.keepOpen = true;
          c.run();
          pumpUntilIdle(c, wire);
          for (Side s : new Side[] {c.client, c.server}) {
            Conversation.check(
                s.conn.state() == TlsState.OPEN, s.name + " is " + s.conn.state() + ": " + c);
            Conversation.check(
                s.conn.bufferCapacities().equals(new BufferSizes(0, 0, 0)),
                s.name
                    + " is idle and OPEN but holds buffers "
                    + s.conn.bufferCapacities()
                    + ": "
                    + c);
          }
          // And it still works afterwards: close both ways cleanly.
          c.client.keepOpen = false;
          c.server.keepOpen = false;
          c.run().assertCleanEnd();
          closeBoth(c);
          return null;
        });
  }

  // ------------------------------------------------------------------ 6. post-handshake traffic

  /**
   * Property 6: KeyUpdates (TLS 1.3; {@code engine().beginHandshake()} on an OPEN connection)
   * forced at any offset of the stream, from either side, and TLS 1.3 session tickets arriving
   * mid-stream (each try runs two connections from shared contexts, the second resuming): property
   * 1 still holds. TLS 1.2 tries run the same transfers with resumption but force no renegotiation
   * (see the comment inside).
   *
   * <p>Found a bug ({@code -Dtlsloop.props.seed=4097102353001012946} replays it): a refused write
   * was retried once per unwrapped record; see {@link Conversation#MAX_ZERO_IO_PER_CALL}.
   */
  @Property(tries = 20)
  void keyUpdatesAndTicketsMidStreamKeepTheStreamIntact(
      @ForAll("protocols") String protocol,
      @ForAll Direction direction,
      @ForAll("payloadSizes") int size,
      @ForAll("callers") Caller caller,
      @ForAll("scripts") List<Integer> script,
      @ForAll("windows") int window,
      @ForAll @Size(min = 1, max = 4) List<@DoubleRange(min = 0, max = 1) Double> clientAt,
      @ForAll @Size(max = 4) List<@DoubleRange(min = 0, max = 1) Double> serverAt)
      throws Exception {
    within(
        TRY_SECONDS,
        () -> {
          int forced = 0;
          for (int connection = 0; connection < 2; connection++) {
            ScriptedTransport wire = new ScriptedTransport(script, window);
            long total = (direction == Direction.BOTH ? 2L : 1L) * size;
            // TLS 1.3 only: beginHandshake() sends a KeyUpdate. In TLS 1.2 it starts a
            // renegotiation, and a close_notify that crosses a renegotiation in flight fails the
            // JDK peer ("Received close_notify during handshake"): a known limitation reported
            // separately, so TLS 1.2 tries cover session resumption only.
            boolean force = protocol.equals("TLSv1.3");
            Conversation c =
                conversation(
                    protocol,
                    direction,
                    size,
                    caller,
                    wire,
                    false,
                    false,
                    force ? offsets(clientAt, total) : new long[0],
                    force ? offsets(serverAt, total) : new long[0],
                    false);
            c.run().assertCleanEnd();
            forced += c.client.renegotiations + c.server.renegotiations;
            closeBoth(c);
          }
          stat("post-handshake", protocol, forced > 0 ? "forced" : "none forced");
          return null;
        });
  }

  // ------------------------------------------------------------------ helpers

  /** Statistics gathered on the try's thread, reported on jqwik's (which owns the collectors). */
  private static final ConcurrentLinkedQueue<Object[]> STATS = new ConcurrentLinkedQueue<>();

  private static void stat(String label, Object... values) {
    Object[] entry = new Object[values.length + 1];
    entry[0] = label;
    System.arraycopy(values, 0, entry, 1, values.length);
    STATS.add(entry);
  }

  private static void within(long seconds, Callable<Object> body) throws Exception {
    STATS.clear();
    try {
      Fixtures.withinSeconds(seconds, body);
    } finally {
      Object[] e;
      while ((e = STATS.poll()) != null) {
        Object[] values = Arrays.copyOfRange(e, 1, e.length);
        if (e[0] == null) {
          Statistics.collect(values);
        } else {
          Statistics.label((String) e[0]).collect(values);
        }
      }
    }
  }

  static Conversation conversation(
      String protocol,
      Direction direction,
      int size,
      Caller caller,
      ScriptedTransport wire,
      boolean directEngineBuffers,
      boolean release)
      throws Exception {
    return conversation(
        protocol,
        direction,
        size,
        caller,
        wire,
        directEngineBuffers,
        release,
        new long[0],
        new long[0],
        false);
  }

  /** A conversation whose client resumes nothing (see {@link Fixtures#freshClient}). */
  static Conversation unresumed(
      String protocol, Direction direction, int size, Caller caller, ScriptedTransport wire)
      throws Exception {
    return conversation(
        protocol, direction, size, caller, wire, false, false, new long[0], new long[0], true);
  }

  static Conversation conversation(
      String protocol,
      Direction direction,
      int size,
      Caller caller,
      ScriptedTransport wire,
      boolean directEngineBuffers,
      boolean release,
      long[] clientRenegotiations,
      long[] serverRenegotiations,
      boolean fresh)
      throws Exception {
    TlsConnection client =
        (fresh
                ? Fixtures.freshClient(protocol)
                : Fixtures.config(true, protocol, directEngineBuffers, release))
            .newConnection(wire.client);
    TlsConnection server =
        Fixtures.config(false, protocol, directEngineBuffers, release).newConnection(wire.server);
    StreamBytes up = new StreamBytes(0x5EED, direction != Direction.SERVER_TO_CLIENT ? size : 0);
    StreamBytes down = new StreamBytes(0xD0E5, direction != Direction.CLIENT_TO_SERVER ? size : 0);
    Caller effective = forSpeed(caller, size);
    wire.minChunk = Math.max(1, size / 32768);
    Conversation c =
        new Conversation(
            new Side("client", client, wire.client, up, down, effective, clientRenegotiations),
            new Side("server", server, wire.server, down, up, effective, serverRenegotiations));
    // The receiving end runs as a selector loop, so the never-strand contract (hasBuffered(),
    // hasPendingOutput()) is what keeps it going; the sender stays eager and keeps the pressure on.
    (direction == Direction.SERVER_TO_CLIENT ? c.client : c.server).selectorLoop = true;
    return c;
  }

  /**
   * Keeps a try within about a second: with big payloads, writes of fewer than payload/8192 bytes
   * (that many records) and reads of fewer than payload/16384 bytes are raised to that. Sizes from
   * 1 byte are still drawn for every payload up to 8 KiB (writes) and 16 KiB (reads).
   */
  static Caller forSpeed(Caller c, int size) {
    return new Caller(
        Math.max(c.readSize(), size / 16384),
        Math.max(c.writeSize(), size / 8192),
        c.direct(),
        c.gather(),
        c.scatter());
  }

  private static long[] offsets(List<Double> fractions, long total) {
    return fractions.stream().mapToLong(f -> (long) (f * total)).sorted().toArray();
  }

  /**
   * In a corruption run a stall is legitimate only when the receiver waits for the rest of a record
   * whose length field was corrupted; then both peers time out and close (EOF both ways), and the
   * receiver must report the truncation.
   */
  private static Conversation.QuiescenceHandler stallIsAPendingRecord(
      ScriptedTransport wire, Link link, Side receiver) {
    boolean[] handled = {false};
    return c -> {
      if (handled[0] || !link.flipped || receiver.failed()) {
        return false;
      }
      if (receiver.conn.bufferedBytes().netIn() == 0) {
        return false; // waiting with no partial record: a real hang
      }
      handled[0] = true;
      wire.toServer.shutWriter();
      wire.toClient.shutWriter();
      return true;
    };
  }

  /** A handshake that stalls on a corrupted length is ended by a timeout: EOF both ways. */
  private static Conversation.QuiescenceHandler closeOnStall(ScriptedTransport wire) {
    boolean[] handled = {false};
    return c -> {
      if (handled[0]) {
        return false;
      }
      handled[0] = true;
      wire.toServer.shutWriter();
      wire.toClient.shutWriter();
      return true;
    };
  }

  /** Reads and flushes until nothing is in flight or buffered anywhere. */
  private static void pumpUntilIdle(Conversation c, ScriptedTransport wire) throws Exception {
    ByteBuffer dst = ByteBuffer.allocate(64);
    int stuck = 0;
    for (int i = 0; stuck < 100; i++) {
      long moved = wire.moved();
      boolean idle = wire.toServer.inFlight() == 0 && wire.toClient.inFlight() == 0;
      for (Side s : new Side[] {c.client, c.server}) {
        TlsConnection conn = s.conn;
        if (conn.hasPendingOutput()) {
          conn.flush();
          idle = false;
        }
        dst.clear();
        int n = conn.read(dst);
        Conversation.check(n == 0, s.name + " read " + n + " after the exchange: " + c);
        Conversation.check(conn.need() != TlsNeed.NOTHING, s.name + " need NOTHING: " + c);
        idle &= !conn.hasBuffered() && !conn.hasPendingOutput();
      }
      if (idle && i > 0) {
        return;
      }
      // A script may move one byte per four calls: give up only when nothing moves at all.
      stuck = wire.moved() == moved ? stuck + 1 : 0;
    }
    throw new AssertionError("never idle, nothing moves: " + c);
  }

  private static void closeBoth(Conversation c) throws Exception {
    c.client.conn.close();
    c.server.conn.close();
  }

  // ------------------------------------------------------------------ generators

  @Provide
  Arbitrary<String> protocols() {
    return Arbitraries.of("TLSv1.3", "TLSv1.2");
  }

  /** 0 to 1 MiB, most of it small, with record-size edges. */
  @Provide
  Arbitrary<Integer> payloadSizes() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(0)),
        Tuple.of(4, Arbitraries.integers().between(1, 4096)),
        Tuple.of(2, Arbitraries.of(16367, 16368, 16384, 16385, 32768, 32769)),
        Tuple.of(4, Arbitraries.integers().between(4097, 64 * 1024)),
        Tuple.of(2, Arbitraries.integers().between(64 * 1024 + 1, 1 << 20)),
        Tuple.of(1, Arbitraries.just(1 << 20)));
  }

  @Provide
  Arbitrary<Integer> smallPayloadSizes() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(0)),
        Tuple.of(4, Arbitraries.integers().between(1, 4096)),
        Tuple.of(2, Arbitraries.of(16367, 16384, 16385)),
        Tuple.of(2, Arbitraries.integers().between(4097, 48 * 1024)));
  }

  /** Caller buffer sizes: 1 byte to 64 KiB, with the interesting edges. */
  @Provide
  Arbitrary<Integer> bufferSizes() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(1)),
        Tuple.of(3, Arbitraries.integers().between(2, 64)),
        Tuple.of(3, Arbitraries.integers().between(65, 4096)),
        Tuple.of(2, Arbitraries.of(16366, 16367, 16384, 16385, 16676, 16709, 16710)),
        Tuple.of(2, Arbitraries.integers().between(4097, 65536)),
        Tuple.of(1, Arbitraries.just(65536)));
  }

  @Provide
  Arbitrary<Caller> callers() {
    return Combinators.combine(
            bufferSizes(),
            bufferSizes(),
            Arbitraries.of(false, true),
            Arbitraries.of(false, true),
            Arbitraries.of(false, true))
        .as(Caller::new);
  }

  /**
   * Chunk limits per transport call: exactly 1 byte, exactly the 5-byte header, would-block (0),
   * small, medium, whole-record sizes and a few records at once.
   */
  @Provide
  Arbitrary<List<Integer>> scripts() {
    Arbitrary<Integer> chunk =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(1)),
            Tuple.of(3, Arbitraries.just(5)),
            Tuple.of(2, Arbitraries.just(0)),
            Tuple.of(3, Arbitraries.integers().between(2, 64)),
            Tuple.of(2, Arbitraries.integers().between(65, 4096)),
            Tuple.of(2, Arbitraries.of(16389, 16405, 16413, 16421, 16709)),
            Tuple.of(3, Arbitraries.integers().between(4097, 3 * 16709)));
    return chunk.list().ofMinSize(1).ofMaxSize(8);
  }

  /** Scripts dominated by would-blocks and tiny chunks. */
  @Provide
  Arbitrary<List<Integer>> stingyScripts() {
    Arbitrary<Integer> chunk =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.just(0)),
            Tuple.of(3, Arbitraries.just(1)),
            Tuple.of(3, Arbitraries.just(5)),
            Tuple.of(2, Arbitraries.integers().between(2, 600)),
            Tuple.of(1, Arbitraries.integers().between(601, 40000)));
    return chunk.list().ofMinSize(1).ofMaxSize(10);
  }

  /** Bytes in flight per direction before writes block, like a socket buffer. */
  @Provide
  Arbitrary<Integer> windows() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.integers().between(1, 64)),
        Tuple.of(2, Arbitraries.integers().between(65, 8192)),
        Tuple.of(1, Arbitraries.of(16405, 16413, 32768)),
        Tuple.of(3, Arbitraries.just(Integer.MAX_VALUE)));
  }

  @Provide
  Arbitrary<Integer> smallWindows() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.integers().between(1, 64)),
        Tuple.of(2, Arbitraries.integers().between(65, 20000)));
  }

  /** XOR masks for the flipped byte: one bit, or a whole byte. */
  @Provide
  Arbitrary<Integer> masks() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of(1, 2, 4, 8, 16, 32, 64, 128)),
        Tuple.of(1, Arbitraries.integers().between(1, 255)));
  }
}
