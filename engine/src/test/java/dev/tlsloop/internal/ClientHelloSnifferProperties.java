package dev.tlsloop.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The sniffer against random splits, truncations, random bytes and mutated real hellos: it returns
 * "need more" or "done", or throws {@link HelloRejected}, and nothing else (no index or buffer
 * exception, no error); its buffer never passes the limit.
 */
class ClientHelloSnifferProperties {
  private static final List<byte[]> HELLOS = hellos();

  private static List<byte[]> hellos() {
    try {
      return List.of(
          Hellos.jdk("TLSv1.3", "a.test", false),
          Hellos.jdk("TLSv1.2", "b.example.com", true, "h2", "http/1.1"),
          Hellos.jdk("TLSv1.3", null, true));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Provide
  Arbitrary<byte[]> realHello() {
    return Arbitraries.of(HELLOS);
  }

  @Property(tries = 300)
  void randomSplitsAndRecordsGiveTheSameName(
      @ForAll("realHello") byte[] hello,
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 400) int maxFragment)
      throws Exception {
    Random r = new Random(seed);
    byte[] wire = Hellos.reframe(Hellos.handshake(hello), maxFragment, r);
    ClientHelloSniffer whole = new ClientHelloSniffer();
    assertTrue(whole.feed(hello, 0, hello.length));
    ClientHelloSniffer s = new ClientHelloSniffer();
    boolean done = false;
    for (int p = 0; p < wire.length && !done; ) {
      int n = Math.min(wire.length - p, 1 + r.nextInt(64));
      done = s.feed(wire, p, n);
      p += n;
      assertTrue(!done || p == wire.length, "done before the end");
    }
    assertTrue(done);
    assertEquals(whole.serverName(), s.serverName());
  }

  @Property(tries = 300)
  void aTruncatedHelloNeedsMore(@ForAll("realHello") byte[] hello, @ForAll long seed)
      throws Exception {
    Random r = new Random(seed);
    byte[] wire = Hellos.reframe(Hellos.handshake(hello), 1 + r.nextInt(300), r);
    int len = r.nextInt(wire.length);
    ClientHelloSniffer s = new ClientHelloSniffer();
    assertFalse(s.feed(wire, 0, len));
  }

  @Property(tries = 1000)
  void randomBytesOnlyEverGiveTheDocumentedException(@ForAll @Size(max = 3000) byte[] bytes) {
    feedAll(bytes, new Random(bytes.length));
  }

  @Property(tries = 2000)
  void mutatedHellosOnlyEverGiveTheDocumentedException(
      @ForAll("realHello") byte[] hello,
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 8) int mutations) {
    Random r = new Random(seed);
    byte[] wire = r.nextBoolean() ? hello.clone() : Hellos.reframe(Hellos.handshake(hello), 200, r);
    for (int i = 0; i < mutations; i++) {
      int at = r.nextInt(wire.length);
      switch (r.nextInt(3)) {
        case 0:
          wire[at] ^= (byte) (1 << r.nextInt(8)); // a bit flip
          break;
        case 1:
          wire[at] = (byte) r.nextInt(256); // a random byte
          break;
        default:
          // A corrupted 16-bit length: 0, small, large, or off by one either way.
          int v = new int[] {0, 1, 0xffff, 0x4001, r.nextInt(0x10000)}[r.nextInt(5)];
          if (at + 1 < wire.length) {
            wire[at] = (byte) (v >> 8);
            wire[at + 1] = (byte) v;
          }
          break;
      }
    }
    feedAll(wire, r);
  }

  @Property(tries = 50)
  void paddedHellosNeverGrowTheBufferPastTheLimit(
      @ForAll("realHello") byte[] hello,
      @ForAll @IntRange(min = 0, max = 65_000) int padding,
      @ForAll long seed) {
    Random r = new Random(seed);
    byte[] hs = Hellos.withPadding(Hellos.handshake(hello), padding);
    feedAll(Hellos.reframe(hs, 1 + r.nextInt(RecordHeader.MAX_PLAINTEXT), r), r);
  }

  /** Feeds in random pieces; only HelloRejected may come out, and the buffer stays bounded. */
  private static void feedAll(byte[] wire, Random r) {
    ClientHelloSniffer s = new ClientHelloSniffer();
    try {
      for (int p = 0; p < wire.length; ) {
        int n = Math.min(wire.length - p, 1 + r.nextInt(500));
        s.feed(wire, p, n);
        p += n;
        assertTrue(s.bufferSize() <= ClientHelloSniffer.MAX_WIRE_BYTES);
      }
    } catch (HelloRejected expected) {
      assertTrue(expected.alert() > 0 && expected.getMessage() != null);
    }
    assertTrue(s.bufferSize() <= ClientHelloSniffer.MAX_WIRE_BYTES);
  }
}
