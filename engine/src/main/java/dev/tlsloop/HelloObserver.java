package dev.tlsloop;

import static dev.tlsloop.internal.RecordHeader.HEADER;

import dev.tlsloop.internal.RecordHeader;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Watches the bytes of the first handshake for the two facts the JDK does not expose: the session
 * id our or their ClientHello offered and whether the ServerHello accepted a resumption. TLS 1.3:
 * the ServerHello carries pre_shared_key (RFC 8446 section 4.2.11); TLS 1.2: it echoes the
 * ClientHello's non-empty session id (RFC 5246 section 7.4.1.3, also for a ticket, RFC 5077 section
 * 3.4). The same rules as the trace's decoder ({@code dev.tlsloop.trace}), reduced to these two
 * messages so that a connection can afford it: the connection drops its observer once the
 * ServerHello was seen or the handshake finished, and nothing is allocated after that.
 *
 * <p>The hellos are plaintext records of type handshake, each in one record as engines send them
 * (both fit in 16 KiB). A peer may fragment its hello over several records (RFC 8446 section 5.1; a
 * routing server reads such a ClientHello, NOTES.md section 14): then each fragment is looked at
 * alone, so a server may miss the session id a fragmented TLS 1.2 ClientHello offered and report no
 * resumption, and it never takes a fragment for the ServerHello (each direction is parsed only for
 * its sender's hello). A record split over several transport reads is reassembled; a
 * HelloRetryRequest (RFC 8446 section 4.1.4) is skipped, the ServerHello after it decides.
 */
final class HelloObserver {
  private static final byte CLIENT_HELLO = 1;
  private static final byte SERVER_HELLO = 2;
  private static final int TLS13 = 0x0304;
  private static final int EXT_PRE_SHARED_KEY = 41;
  private static final int EXT_SUPPORTED_VERSIONS = 43;

  /** SHA-256("HelloRetryRequest"): a ServerHello with this random is an HRR (RFC 8446 4.1.3). */
  private static final byte[] HRR_RANDOM =
      HexFormat.of().parseHex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

  private final Direction sent;
  private final Direction received;

  /**
   * An observer for a client or a server side. Each direction is parsed only for the hello its
   * sender sends: a ClientHello may come fragmented over several records (RFC 8446 section 5.1),
   * and a fragment that happens to start with byte 2 must not pass for a ServerHello.
   */
  HelloObserver(boolean client) {
    this.sent = new Direction(client);
    this.received = new Direction(!client);
  }

  private byte[] offeredSessionId;
  private boolean serverHelloSeen;
  private boolean resumed;

  /** Bytes this side wrote to the transport. */
  void sent(ByteBuffer buf, int start, int length) {
    sent.feed(buf, start, length);
  }

  /** Bytes this side read from the transport. */
  void received(ByteBuffer buf, int start, int length) {
    received.feed(buf, start, length);
  }

  /** Whether the (non-HRR) ServerHello was seen: nothing more to learn. */
  boolean done() {
    return serverHelloSeen;
  }

  /** Whether the ServerHello accepted a resumption; false until it was seen. */
  boolean resumed() {
    return resumed;
  }

  private void record(byte[] rec, int length, boolean fromClient) {
    if (serverHelloSeen
        || RecordHeader.type(rec, 0) != RecordHeader.HANDSHAKE
        || length < HEADER + 4) {
      return; // not a hello: change_cipher_spec, alerts, encrypted records
    }
    ByteBuffer b = ByteBuffer.wrap(rec, HEADER + 4, length - HEADER - 4);
    try {
      if (fromClient && rec[HEADER] == CLIENT_HELLO && offeredSessionId == null) {
        skip(b, 2 + 32); // legacy_version, random
        offeredSessionId = bytes(b, u8(b));
      } else if (!fromClient && rec[HEADER] == SERVER_HELLO) {
        serverHello(b);
      }
    } catch (RuntimeException malformed) {
      // The engine rejects a malformed hello itself; for us it simply is not a resumption.
    }
  }

  /** RFC 8446 section 4.1.3 (TLS 1.2: RFC 5246 section 7.4.1.3, the same leading fields). */
  private void serverHello(ByteBuffer b) {
    int version = u16(b);
    byte[] random = bytes(b, 32);
    if (Arrays.equals(random, HRR_RANDOM)) {
      return; // the client tries again; the real ServerHello follows
    }
    byte[] sessionId = bytes(b, u8(b));
    skip(b, 2 + 1); // cipher_suite, legacy_compression_method
    boolean psk = false;
    if (b.hasRemaining()) {
      int end = u16(b) + b.position();
      while (b.position() < end) {
        int type = u16(b);
        int len = u16(b);
        if (type == EXT_SUPPORTED_VERSIONS) {
          version = b.getShort(b.position()) & 0xffff; // legacy_version is frozen at 0x0303
        } else if (type == EXT_PRE_SHARED_KEY) {
          psk = true;
        }
        skip(b, len);
      }
    }
    serverHelloSeen = true;
    resumed =
        version == TLS13
            ? psk
            : sessionId.length > 0
                && offeredSessionId != null
                && Arrays.equals(sessionId, offeredSessionId);
  }

  private static int u8(ByteBuffer b) {
    return b.get() & 0xff;
  }

  private static int u16(ByteBuffer b) {
    return b.getShort() & 0xffff;
  }

  private static void skip(ByteBuffer b, int n) {
    b.position(b.position() + n);
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  /** Reassembles one direction's records from transport chunks of any size. */
  private final class Direction {
    private final boolean fromClient;
    private byte[] buf = new byte[512];
    private int filled;

    Direction(boolean fromClient) {
      this.fromClient = fromClient;
    }

    void feed(ByteBuffer src, int start, int length) {
      for (int i = 0; i < length && !serverHelloSeen; ) {
        int want = wanted();
        int n = Math.min(want - filled, length - i);
        if (buf.length < want) {
          buf = Arrays.copyOf(buf, want);
        }
        src.get(start + i, buf, filled, n);
        filled += n;
        i += n;
        if (filled == want && filled > HEADER) {
          record(buf, filled, fromClient);
          filled = 0;
        } else if (filled == want && want == HEADER && recordLength() == 0) {
          filled = 0; // an empty record: nothing to look at
        }
      }
    }

    /** The bytes needed next: the header, then the whole record it announces. */
    private int wanted() {
      return filled < HEADER ? HEADER : HEADER + recordLength();
    }

    private int recordLength() {
      return RecordHeader.length(buf, 0);
    }
  }
}
