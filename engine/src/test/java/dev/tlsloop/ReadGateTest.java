package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Test;

/** The gate's rule: skip one read only right after a read that drained the transport. */
class ReadGateTest {
  /** Answers each read with the next scripted count (filling that many bytes), counting calls. */
  private static final class Scripted implements ReadableByteChannel {
    final Deque<Integer> answers = new ArrayDeque<>();
    int calls;

    @Override
    public int read(ByteBuffer dst) {
      calls++;
      int n = answers.removeFirst();
      for (int i = 0; i < n; i++) {
        dst.put((byte) i);
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  private final Scripted transport = new Scripted();
  private final ReadGate gate = new ReadGate(transport);

  private int read(int offered) throws Exception {
    return gate.read(ByteBuffer.allocate(offered));
  }

  @Test
  void aFreshGateAlwaysReads() throws Exception {
    transport.answers.add(10);
    gate.skipNextIfDrained();
    assertEquals(10, read(100));
    assertEquals(1, transport.calls);
  }

  @Test
  void afterADrainingReadTheNextGatedReadSkipsTheTransportOnce() throws Exception {
    transport.answers.add(10); // less than offered: the socket was drained
    assertEquals(10, read(100));
    gate.skipNextIfDrained();
    assertEquals(0, read(100)); // answered by the gate
    assertEquals(1, transport.calls);
    transport.answers.add(7);
    assertEquals(7, read(100)); // the skip is used up: the transport is asked again
    assertEquals(2, transport.calls);
    assertEquals(1, gate.skipped());
  }

  @Test
  void aReadThatFilledItsOfferMeansMoreMayBeWaiting() throws Exception {
    transport.answers.add(100);
    read(100);
    gate.skipNextIfDrained();
    transport.answers.add(3);
    assertEquals(3, read(100));
    assertEquals(2, transport.calls);
    assertEquals(0, gate.skipped());
  }

  @Test
  void anEmptyReadCountsAsDrainedAndIsCounted() throws Exception {
    transport.answers.add(0);
    assertEquals(0, read(100));
    assertEquals(1, gate.emptyReads());
    gate.skipNextIfDrained();
    assertEquals(0, read(100));
    assertEquals(1, transport.calls);
  }

  @Test
  void endOfStreamIsNeverSkipped() throws Exception {
    // -1 must keep reaching the caller: the connection reports truncation or close from it.
    transport.answers.add(-1);
    assertEquals(-1, read(100));
    gate.skipNextIfDrained();
    transport.answers.add(-1);
    assertEquals(-1, read(100));
    assertEquals(2, transport.calls);
  }

  @Test
  void openingTheGateCancelsAnUnusedSkip() throws Exception {
    transport.answers.add(1);
    read(100);
    gate.skipNextIfDrained();
    gate.open(); // the engine call did not read at all (a whole record was buffered)
    transport.answers.add(5);
    assertEquals(5, read(100));
    assertEquals(2, transport.calls);
  }
}
