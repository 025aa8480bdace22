package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsListener.BufferEvent;
import dev.tlsloop.TlsListener.BufferRole;
import dev.tlsloop.testkit.MemoryPipe;
import dev.tlsloop.testkit.TestPki;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per situation of the SSLEngine checklist that an in-memory pipe can provoke exactly
 * (items 1 to 12 and 18 to 24; close and certificate items have their own classes). The {@link
 * Duet} loop reads a side only when its pipe holds bytes or the connection says it has buffered
 * input, as a selector loop does, so anything stranded shows up as a stall.
 */
class EngineCasesTest {
  private static TestPki pki;
  private static TestPki.Identity localhost;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    localhost = pki.issue("localhost");
  }

  /** Records every engine call and event, in order. */
  static final class Recorder implements TlsListener {
    final List<String> events = new ArrayList<>();
    final List<SSLEngineResult> wraps = new ArrayList<>();
    final List<SSLEngineResult> unwraps = new ArrayList<>();
    int handshakesFinished;
    int offloadedTasks;
    final List<String> bufferEvents = new ArrayList<>();

    @Override
    public void onHandshakeFinished(TlsConnection c) {
      handshakesFinished++;
      events.add("finished");
    }

    @Override
    public void onWrap(TlsConnection c, String why, SSLEngineResult r) {
      wraps.add(r);
      events.add("wrap " + r.bytesConsumed());
    }

    @Override
    public void onUnwrap(TlsConnection c, String why, SSLEngineResult r) {
      unwraps.add(r);
      events.add("unwrap " + r.bytesProduced());
    }

    @Override
    public synchronized void onTask(TlsConnection c, long nanos, boolean offloaded) {
      if (offloaded) {
        offloadedTasks++;
      }
    }

    @Override
    public void onBuffer(TlsConnection c, BufferRole role, BufferEvent event, int capacity) {
      bufferEvents.add(role + " " + event);
    }

    long count(List<SSLEngineResult> rs, Status status) {
      return rs.stream().filter(r -> r.getStatus() == status).count();
    }
  }

  private static TlsConfig.Builder client(String protocol) throws Exception {
    return TlsConfig.client("localhost", 443).trust(pki.trustStore()).protocols(protocol);
  }

  private static TlsConfig.Builder server(String protocol) throws Exception {
    return TlsConfig.server(pki.serverContext(localhost)).protocols(protocol);
  }

  private static Duet duet(MemoryPipe pipe, TlsConfig.Builder c, TlsConfig.Builder s)
      throws Exception {
    return new Duet(
        c.build().newConnection(pipe.client), pipe.client,
        s.build().newConnection(pipe.server), pipe.server);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private static void exchange(Duet d, byte[] up, byte[] down) throws Exception {
    int upBefore = d.server.received.size();
    int downBefore = d.client.received.size();
    d.client.send(up);
    d.server.send(down);
    d.runUntil(
        () ->
            d.server.received.size() == upBefore + up.length
                && d.client.received.size() == downBefore + down.length,
        3);
  }

  private static byte[] tail(java.io.ByteArrayOutputStream out, int n) {
    byte[] all = out.toByteArray();
    return Arrays.copyOfRange(all, all.length - n, all.length);
  }

  // Items 1 and 8: no application data before the handshake finished; queued writes go after it.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void applicationDataWrittenDuringTheHandshakeWaitsForIt(String protocol) throws Exception {
    Recorder rec = new Recorder();
    Duet d = duet(new MemoryPipe(), client(protocol).listener(rec), server(protocol));
    byte[] early = random(5000);
    exchange(d, early, new byte[0]);
    assertArrayEquals(early, d.server.received.toByteArray());
    int finished = rec.events.indexOf("finished");
    assertTrue(finished > 0, "handshake finished event: " + rec.events);
    for (String e : rec.events.subList(0, finished)) {
      assertFalse(e.startsWith("wrap ") && !e.equals("wrap 0"), "app bytes wrapped early: " + e);
    }
  }

  // Items 2 and 4: a whole flight in one read, or one byte per read (underflow on every byte).
  @ParameterizedTest(name = "chunk {0}")
  @ValueSource(ints = {1, 5, 7, 1 << 30})
  void flightsArriveWholeOrByteByByte(int chunk) throws Exception {
    for (String protocol : TlsConfig.SUPPORTED_PROTOCOLS) {
      Recorder rec = new Recorder();
      Duet d =
          duet(new MemoryPipe(1 << 20, chunk), client(protocol).listener(rec), server(protocol));
      byte[] up = random(3000);
      byte[] down = random(20000);
      exchange(d, up, down);
      assertArrayEquals(up, d.server.received.toByteArray(), protocol);
      assertArrayEquals(down, d.client.received.toByteArray(), protocol);
      long underflows = rec.count(rec.unwraps, Status.BUFFER_UNDERFLOW);
      if (chunk == 1) {
        // The records are read one byte at a time: nearly every byte is an underflow.
        assertTrue(underflows > 20000, protocol + ": underflows " + underflows);
      }
    }
  }

  // Item 3 and the never-strand rule: several records in one transport read, small reads.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void severalRecordsInOneReadAreAllDeliveredWithoutNewInput(String protocol) throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    Duet d = duet(pipe, client(protocol), server(protocol));
    d.handshake();
    byte[] data = random(300);
    for (int i = 0; i < 3; i++) {
      d.server.conn.write(ByteBuffer.wrap(data, i * 100, 100)); // one record each
    }
    d.client.readSize = 50;
    int available = pipe.toClient.available();
    assertTrue(available > 3 * 100, "three records queued: " + available);
    d.runUntil(() -> d.client.received.size() == 300, 3);
    assertArrayEquals(data, d.client.received.toByteArray());
    assertTrue(d.client.reads >= 6, "50-byte reads: " + d.client.reads);
    assertFalse(d.client.conn.hasBuffered());
  }

  // Item 5: any destination size gets every byte; big ones are decrypted into directly.
  @ParameterizedTest(name = "read buffer {0}")
  @ValueSource(ints = {1, 1024, 16384, 65536})
  void anyReadBufferSizeGetsEveryByte(int readSize) throws Exception {
    for (String protocol : TlsConfig.SUPPORTED_PROTOCOLS) {
      Recorder rec = new Recorder();
      Duet d =
          duet(
              new MemoryPipe(),
              client(protocol).listener(rec).releaseBuffersWhenIdle(true),
              server(protocol));
      d.handshake();
      assertEquals(
          0, d.client.conn.bufferCapacities().appIn(), "appIn released after the handshake");
      rec.bufferEvents.clear();
      d.client.readSize = readSize;
      byte[] down = random(100_000);
      exchange(d, new byte[0], down);
      assertArrayEquals(down, d.client.received.toByteArray(), protocol);
      boolean usedAppIn = rec.bufferEvents.contains("APP_IN ALLOCATE");
      // Reads with room for a whole record's plaintext skip appIn: the engine decrypts into them.
      // A full TLS 1.3 record (16367 B of plaintext) fits 16 KiB; a full TLS 1.2 one (16384 B,
      // 24 B of nonce and tag) is taken as needing 16392, so it goes through appIn.
      boolean fits = readSize > 16384 || (readSize == 16384 && protocol.equals("TLSv1.3"));
      assertEquals(!fits, usedAppIn, protocol + " " + rec.bufferEvents);
    }
  }

  // Item 7: a large write becomes several records; small gathered buffers share one record.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void largeWritesSplitAndGatheredWritesPack(String protocol) throws Exception {
    Recorder rec = new Recorder();
    Duet d = duet(new MemoryPipe(), client(protocol).listener(rec), server(protocol));
    d.handshake();
    rec.wraps.clear();
    assertEquals(40000, d.client.conn.write(ByteBuffer.wrap(random(40000))));
    assertEquals(40000, rec.wraps.stream().mapToInt(SSLEngineResult::bytesConsumed).sum());
    assertEquals(3, rec.wraps.size(), "records for 40000 bytes");
    rec.wraps.clear();
    ByteBuffer[] four = new ByteBuffer[4];
    for (int i = 0; i < 4; i++) {
      four[i] = ByteBuffer.wrap(random(1000));
    }
    assertEquals(4000, d.client.conn.write(four, 0, 4));
    assertEquals(1, rec.wraps.size(), "one record for a gathering write of 4 x 1000");
    assertEquals(4000, rec.wraps.get(0).bytesConsumed());
    d.runUntil(() -> d.server.received.size() == 44000, 3);
  }

  // Items 6 and 23: a full transport makes write take part and say WRITE; it never spins.
  @Test
  void aFullTransportStopsTheWriterWithWriteNeeded() throws Exception {
    MemoryPipe pipe = new MemoryPipe(1000, Integer.MAX_VALUE);
    Duet d = duet(pipe, client("TLSv1.3"), server("TLSv1.3"));
    d.handshake();
    byte[] data = random(100_000);
    ByteBuffer src = ByteBuffer.wrap(data);
    int writesBefore = pipe.client.writes;
    long taken = d.client.conn.write(src);
    assertTrue(taken < data.length, "took " + taken);
    assertEquals(TlsNeed.WRITE, d.client.conn.need());
    assertTrue(d.client.conn.hasPendingOutput());
    assertEquals(0, d.client.conn.write(src), "nothing more fits");
    assertEquals(TlsNeed.WRITE, d.client.conn.need());
    assertTrue(pipe.client.writes - writesBefore <= 4, "transport writes: " + pipe.client.writes);
    d.client.toSend = src;
    d.runUntil(() -> d.server.received.size() == data.length, 3);
    assertArrayEquals(data, d.server.received.toByteArray());
  }

  // Item 9: delegated tasks on an executor; TASK is reported and the engine is left alone.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void delegatedTasksRunOnTheExecutor(String protocol) throws Exception {
    ScheduledExecutorService slow = Executors.newScheduledThreadPool(2);
    try {
      java.util.concurrent.Executor delayed =
          task -> slow.schedule(task, 50, TimeUnit.MILLISECONDS);
      Recorder crec = new Recorder();
      Recorder srec = new Recorder();
      MemoryPipe pipe = new MemoryPipe();
      TlsConnection c =
          client(protocol).taskExecutor(delayed).listener(crec).build().newConnection(pipe.client);
      TlsConnection s =
          server(protocol).taskExecutor(delayed).listener(srec).build().newConnection(pipe.server);
      Semaphore wakeups = new Semaphore(0);
      c.setTaskCompletionCallback(wakeups::release);
      s.setTaskCompletionCallback(wakeups::release);
      int taskWaits = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (c.state() != TlsState.OPEN || s.state() != TlsState.OPEN) {
        assertTrue(System.nanoTime() < deadline, "handshake stalled: " + c + " / " + s);
        for (TlsConnection conn : List.of(c, s)) {
          Recorder rec = conn == c ? crec : srec;
          if (conn.handshake() == TlsNeed.TASK && conn.taskRunning()) {
            taskWaits++;
            int calls = rec.wraps.size() + rec.unwraps.size();
            // While the task runs, calling again reports TASK at once and touches no engine.
            assertEquals(TlsNeed.TASK, conn.handshake());
            assertEquals(calls, rec.wraps.size() + rec.unwraps.size());
          }
        }
        if (c.need() == TlsNeed.TASK || s.need() == TlsNeed.TASK) {
          wakeups.tryAcquire(1, TimeUnit.SECONDS);
        }
      }
      assertTrue(taskWaits > 0, "some task was offloaded");
      assertTrue(crec.offloadedTasks + srec.offloadedTasks > 0);
      Duet d = new Duet(c, pipe.client, s, pipe.server);
      byte[] up = random(1000);
      exchange(d, up, new byte[0]);
      assertArrayEquals(up, d.server.received.toByteArray());
    } finally {
      slow.shutdownNow();
    }
  }

  // Items 10, 11 and 12: tickets and KeyUpdates repeat FINISHED; the event fires once.
  @Test
  void handshakeFinishedFiresOnceThroughTicketsAndKeyUpdates() throws Exception {
    Recorder crec = new Recorder();
    Recorder srec = new Recorder();
    Duet d =
        duet(new MemoryPipe(), client("TLSv1.3").listener(crec), server("TLSv1.3").listener(srec));
    d.handshake();
    byte[] up = random(20000);
    byte[] down = random(30000);
    exchange(d, up, down);
    // The client's first reads consumed NewSessionTicket records: consumed > 0, produced 0.
    assertTrue(
        crec.unwraps.stream()
            .anyMatch(
                r -> r.getStatus() == Status.OK && r.bytesConsumed() > 0 && r.bytesProduced() == 0),
        "a NewSessionTicket unwrap");
    for (int round = 0; round < 3; round++) {
      d.client.conn.engine().beginHandshake(); // TLS 1.3: sends KeyUpdate (RFC 8446 4.6.3)
      d.server.conn.engine().beginHandshake();
      exchange(d, up, down);
      assertArrayEquals(up, tail(d.server.received, up.length));
      assertArrayEquals(down, tail(d.client.received, down.length));
    }
    long finishedResults =
        crec.wraps.stream().filter(r -> r.getHandshakeStatus() == HandshakeStatus.FINISHED).count()
            + crec.unwraps.stream()
                .filter(r -> r.getHandshakeStatus() == HandshakeStatus.FINISHED)
                .count();
    assertTrue(finishedResults >= 4, "engine reported FINISHED " + finishedResults + " times");
    assertEquals(1, crec.handshakesFinished);
    assertEquals(1, srec.handshakesFinished);
    assertEquals(TlsState.OPEN, d.client.conn.state());
  }

  // Item 19: an engine that never makes progress fails the connection instead of spinning.
  @Test
  void anEngineThatMakesNoProgressFailsInsteadOfSpinning() throws Exception {
    TlsConfig config = client("TLSv1.3").build();
    StuckEngine stuck = new StuckEngine(config.createEngine());
    MemoryPipe pipe = new MemoryPipe();
    TlsConnection c = new TlsConnection(config, stuck, pipe.client, pipe.client, null);
    SSLException e = assertThrows(SSLException.class, c::handshake);
    assertTrue(e.getMessage().contains("no progress"), e.getMessage());
    assertTrue(stuck.wraps <= 20, "wraps before giving up: " + stuck.wraps);
    assertEquals(TlsState.FAILED, c.state());
    assertFalse(pipe.client.isOpen(), "transport closed");
  }

  // Item 15, TLS 1.2: data with close_notify right behind it, both in one transport read.
  @Test
  void tls12DataFollowedByCloseNotifyCanStillBeAnswered() throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    Duet d = duet(pipe, client("TLSv1.2"), server("TLSv1.2"));
    d.handshake();
    d.client.conn.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(TlsNeed.NOTHING, d.client.conn.shutdownOutput()); // both records in the pipe
    ByteBuffer buf = ByteBuffer.allocate(64);
    assertEquals(5, d.server.conn.read(buf));
    // The close_notify waits for the next read: answering it now would close our side (TLS 1.2
    // has no half-close) before the caller could reply to what it was just given.
    assertEquals(TlsState.OPEN, d.server.conn.state());
    buf.flip();
    assertEquals(5, d.server.conn.write(buf));
    assertEquals(-1, d.server.conn.read(ByteBuffer.allocate(64)));
    assertEquals(TlsState.CLOSED, d.server.conn.state());
    ByteBuffer echo = ByteBuffer.allocate(64);
    assertEquals(5, d.client.conn.read(echo));
    assertEquals("hello", new String(echo.array(), 0, 5, StandardCharsets.US_ASCII));
    assertEquals(-1, d.client.conn.read(echo));
  }

  // Lifecycle.Input: close() after the peer's close_notify arrived, before read() returned -1.
  @Test
  void closeAfterThePeersCloseNotifyArrivedStillLetsReadReturnTheEndOfStream() throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    Duet d = duet(pipe, client("TLSv1.3"), server("TLSv1.3"));
    d.handshake();
    d.server.conn.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(TlsNeed.NOTHING, d.server.conn.shutdownOutput()); // both records in the pipe
    assertEquals(3, d.client.conn.read(ByteBuffer.allocate(64)));
    assertEquals(TlsState.INBOUND_CLOSED, d.client.conn.state(), "close_notify taken as well");
    assertTrue(d.client.conn.hasBuffered(), "the end of the stream waits for the next read");
    d.client.conn.close();
    // That stream ended cleanly before close(): read says so once; writes are closed.
    assertEquals(-1, d.client.conn.read(ByteBuffer.allocate(64)));
    assertFalse(d.client.conn.hasBuffered());
    assertThrows(
        ClosedChannelException.class, () -> d.client.conn.write(ByteBuffer.wrap(new byte[] {1})));
  }

  // Item 16: a side failed by truncation must not send close_notify: its peer would read a clean
  // end of a stream that was never closed (found by the truncation property).
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aSideFailedByTruncationDoesNotEndThePeersStreamCleanly(String protocol) throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    Duet d = duet(pipe, client(protocol), server(protocol));
    d.handshake();
    exchange(d, random(100), random(100));
    assertEquals(1000, d.server.conn.write(ByteBuffer.wrap(random(1000))));
    pipe.toClient.eof = true; // the network cuts the server's stream here, no close_notify
    ByteBuffer dst = ByteBuffer.allocate(4096);
    assertThrows(
        TlsTruncationException.class,
        () -> {
          while (true) {
            dst.clear();
            d.client.conn.read(dst);
          }
        });
    assertThrows(TlsTruncationException.class, () -> d.server.conn.read(ByteBuffer.allocate(100)));
  }

  // Item 20: a flipped ciphertext bit fails the receiver, whose alert fails the sender.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aCorruptedRecordFailsBothSidesAndDeliversNothing(String protocol) throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    Duet d = duet(pipe, client(protocol), server(protocol));
    d.handshake();
    exchange(d, random(100), new byte[0]);
    pipe.toServer.corruptAt = (int) pipe.toServer.moved + 40;
    d.client.send(random(1000));
    SSLException e = assertThrows(SSLException.class, () -> d.runUntil(() -> false, 3));
    assertEquals(TlsState.FAILED, d.server.conn.state(), e.toString());
    assertEquals(100, d.server.received.size(), "nothing of the corrupted record delivered");
    // The server sent its alert before closing: the client learns why.
    SSLException alert =
        assertThrows(SSLException.class, () -> d.client.conn.read(ByteBuffer.allocate(100)));
    assertTrue(
        alert.getMessage().toLowerCase().contains("bad_record_mac")
            || alert.getMessage().toLowerCase().contains("alert"),
        alert.getMessage());
  }

  // Item 21 and pre-read bytes: the server starts from bytes someone else read, read-only.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void aConnectionStartsFromPreReadBytes(String protocol) throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    TlsConnection c = client(protocol).build().newConnection(pipe.client);
    assertEquals(TlsNeed.READ, c.handshake());
    ByteBuffer sniffed = ByteBuffer.allocate(7); // e.g. a protocol sniffer peeked 7 bytes
    assertEquals(7, pipe.server.read(sniffed));
    sniffed.flip();
    assertEquals(22, sniffed.get(0), "a handshake record");
    long[] seen = {0};
    TlsListener counter =
        new TlsListener() {
          @Override
          public void onTransportRead(TlsConnection conn, ByteBuffer b, int offset, int length) {
            seen[0] += length;
          }
        };
    TlsConnection s =
        server(protocol)
            .listener(counter)
            .build()
            .newConnection(pipe.server, sniffed.asReadOnlyBuffer());
    Duet d = new Duet(c, pipe.client, s, pipe.server);
    byte[] up = random(2000);
    exchange(d, up, up);
    assertArrayEquals(up, d.server.received.toByteArray());
    // Listeners (traces) see the pre-read bytes as the start of the stream: nothing is missing.
    assertEquals(pipe.toServer.moved, seen[0]);
  }

  // Buffers: idle connections with release enabled hold none; by default they keep theirs.
  @ParameterizedTest(name = "release {0}")
  @ValueSource(booleans = {true, false})
  void idleConnectionsReleaseTheirBuffersWhenAsked(boolean release) throws Exception {
    Duet d =
        duet(
            new MemoryPipe(),
            client("TLSv1.3").releaseBuffersWhenIdle(release),
            server("TLSv1.3").releaseBuffersWhenIdle(release));
    d.handshake();
    exchange(d, random(50000), random(50000));
    for (TlsConnection c : List.of(d.client.conn, d.server.conn)) {
      long total = c.bufferCapacities().total();
      if (release) {
        assertEquals(0, total, c.toString());
      } else {
        assertTrue(total > 0, c.toString());
      }
    }
  }

  // Item 24: waiting for a peer that says nothing returns READ, one transport read per call.
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
  void waitingForASilentPeerReturnsReadWithoutSpinning(String protocol) throws Exception {
    MemoryPipe pipe = new MemoryPipe();
    TlsConnection c = client(protocol).build().newConnection(pipe.client);
    for (int i = 0; i < 100; i++) {
      assertEquals(TlsNeed.READ, c.handshake());
      assertEquals(0, c.read(ByteBuffer.allocate(10)));
      assertEquals(TlsNeed.READ, c.need());
    }
    assertTrue(pipe.client.reads <= 200, "transport reads: " + pipe.client.reads);
    assertEquals(TlsState.HANDSHAKING, c.state());
  }

  // Buffer events: allocation is lazy and reported once per buffer.
  @Test
  void buffersAreAllocatedLazily() throws Exception {
    Recorder rec = new Recorder();
    TlsConnection c =
        client("TLSv1.3").listener(rec).build().newConnection(new MemoryPipe().client);
    assertEquals(new BufferSizes(0, 0, 0), c.bufferCapacities());
    assertTrue(rec.bufferEvents.isEmpty());
    c.handshake();
    assertTrue(rec.bufferEvents.contains("NET_OUT ALLOCATE"), rec.bufferEvents.toString());
    assertFalse(rec.bufferEvents.contains("APP_IN ALLOCATE"), rec.bufferEvents.toString());
    AtomicInteger grows = new AtomicInteger();
    rec.bufferEvents.forEach(e -> grows.addAndGet(e.endsWith("GROW") ? 1 : 0));
    assertEquals(0, grows.get(), rec.bufferEvents.toString());
  }
}
