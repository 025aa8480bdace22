package dev.tlsloop.trace;

import static dev.tlsloop.internal.RecordHeader.HEADER;

import dev.tlsloop.internal.RecordHeader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Streaming decoder of the TLS records flowing one way. Bytes come in arbitrary chunks (a header
 * may be split across reads); each complete record is emitted once, as a {@link TlsRecord}.
 *
 * <p>While a direction is in plaintext its handshake bytes are reassembled across records (one
 * message may span records, one record may hold several messages, RFC 8446 section 5.1) and each
 * message is named and decoded. Once the direction is encrypted only the 5-byte headers can be
 * read. Encrypted means: TLS 1.2 after this side's ChangeCipherSpec (RFC 5246 section 7.1); TLS 1.3
 * every record of outer type application_data (RFC 8446 section 5.2), its ChangeCipherSpec being a
 * no-op for middleboxes (appendix D.4).
 *
 * <p>Input that is not TLS never throws: the decoder emits one record marked "not TLS" and ignores
 * the rest of that direction. Not thread-safe; one instance per direction.
 */
final class RecordDecoder {

  /** Largest legal fragment: 2^14 plus 2048 of protection overhead (RFC 5246 section 6.2.3). */
  private static final int MAX_FRAGMENT = RecordHeader.MAX_PLAINTEXT + 2048;

  /** A handshake message the trace will not buffer (certificate chains are far smaller). */
  private static final int MAX_HANDSHAKE_MESSAGE = 1 << 20;

  private final String direction;
  private final HandshakeFacts facts;

  private final byte[] header = new byte[HEADER];
  private int headerFill;
  private int type;
  private int version;
  private int length;

  /** The current record's fragment, kept only when it is plaintext we decode; else null. */
  private byte[] fragment;

  private int fragmentFill;

  /** Plaintext handshake bytes not yet forming a whole message. */
  private byte[] handshake = new byte[0];

  /** Whether this direction sent a ServerHello and, since, a ServerHelloDone. */
  private boolean sentServerHello;

  private boolean sentServerHelloDone;

  private boolean changeCipherSpecSeen;
  private boolean expectFinished;
  private boolean handshakeGivenUp;
  private boolean notTls;
  private long records;
  private long bytes;

  /** A decoder for one direction, e.g. "client->server"; the label is copied into each record. */
  RecordDecoder(String direction) {
    this(direction, new HandshakeFacts());
  }

  /** A decoder sharing what the hellos said with the decoder of the other direction. */
  RecordDecoder(String direction, HandshakeFacts facts) {
    this.direction = Objects.requireNonNull(direction, "direction");
    this.facts = facts;
  }

  /**
   * Feeds bytes {@code [offset, offset + length)} of {@code buf}, by absolute index (its position
   * and limit are not used nor changed), and hands each record completed by them to {@code out}.
   */
  void feed(ByteBuffer buf, int offset, int length, Consumer<TlsRecord> out) {
    Objects.checkFromIndexSize(offset, length, buf.capacity());
    bytes += length;
    int i = offset;
    int end = offset + length;
    while (i < end && !notTls) {
      TlsRecord done = null;
      if (headerFill < HEADER) {
        header[headerFill++] = buf.get(i++);
        if (headerFill == HEADER) {
          done = guarded(true, buf, i, end);
        }
      } else {
        int n = Math.min(end - i, this.length - fragmentFill);
        if (fragment != null) {
          buf.get(i, fragment, fragmentFill, n);
        }
        fragmentFill += n;
        i += n;
        if (fragmentFill == this.length) {
          done = guarded(false, buf, i, end);
        }
      }
      if (done != null) {
        out.accept(done);
      }
    }
  }

  /**
   * Starts or ends the current record. A bug here must not break the connection being traced: any
   * exception ends decoding of this direction with a "not TLS" record saying so.
   */
  private TlsRecord guarded(boolean start, ByteBuffer buf, int next, int end) {
    try {
      return start ? startRecord(buf, next, end) : endRecord();
    } catch (RuntimeException e) {
      notTls = true;
      return new TlsRecord(
          direction,
          TlsRecord.NOT_TLS,
          version,
          0,
          false,
          List.of(),
          List.of("not TLS: the trace's decoder failed (" + e + "); decoding stopped"));
    }
  }

  /** TLS records emitted so far (the "not TLS" marker is not counted). */
  long records() {
    return records;
  }

  /** Bytes fed so far, whether or not they formed records. */
  long bytes() {
    return bytes;
  }

  /** The direction label. */
  String direction() {
    return direction;
  }

  /** Whether the ServerHello (seen by this decoder or its pair) accepted resumption. */
  boolean resumed() {
    return facts.resumed;
  }

  /** Checks the header just completed; returns a record if it is already complete or garbage. */
  private TlsRecord startRecord(ByteBuffer buf, int next, int end) {
    type = RecordHeader.type(header, 0);
    version = RecordHeader.version(header, 0);
    length = RecordHeader.length(header, 0);
    String problem = null;
    if (type < RecordHeader.CHANGE_CIPHER_SPEC || type > RecordHeader.HEARTBEAT) {
      problem = String.format("first byte 0x%02x is not a record content type (20..24)", type);
    } else if ((version >> 8) != 3) {
      problem = String.format("version 0x%04x is not 3.x", version);
    } else if (length > MAX_FRAGMENT) {
      problem = "length " + length + " exceeds the 2^14+2048 maximum (RFC 5246 6.2.3)";
    }
    if (problem != null) {
      notTls = true;
      return garbage(problem, buf, next, end);
    }
    fragmentFill = 0;
    fragment = isEncrypted() || type == RecordHeader.APPLICATION_DATA ? null : new byte[length];
    return length == 0 ? endRecord() : null;
  }

  /** Whether the current record's fragment is protected; see the class comment. */
  private boolean isEncrypted() {
    if (type == RecordHeader.APPLICATION_DATA) {
      return true;
    }
    if (facts.isTls13()) {
      return false; // TLS 1.3 protects only under outer type application_data
    }
    return changeCipherSpecSeen;
  }

  private TlsRecord endRecord() {
    boolean encrypted = isEncrypted();
    List<String> messages = new ArrayList<>();
    List<String> details = new ArrayList<>();
    switch (type) {
      case RecordHeader.CHANGE_CIPHER_SPEC:
        changeCipherSpec(encrypted, details);
        break;
      case RecordHeader.ALERT:
        alert(encrypted, details);
        break;
      case RecordHeader.HANDSHAKE:
        if (encrypted) {
          encryptedHandshake(messages, details);
        } else {
          plaintextHandshake(messages, details);
        }
        break;
      case RecordHeader.APPLICATION_DATA:
        details.add(
            facts.isTls13()
                ? "encrypted: outer type application_data hides the real type (RFC 8446 5.2)"
                : "encrypted");
        break;
      default:
        break;
    }
    records++;
    fragment = null;
    headerFill = 0;
    return new TlsRecord(direction, type, version, length, encrypted, messages, details);
  }

  private void changeCipherSpec(boolean encrypted, List<String> details) {
    if (facts.isTls13()) {
      details.add("TLS 1.3 middlebox compatibility, ignored by the peer (RFC 8446 D.4)");
      return;
    }
    if (!encrypted) {
      if (sentServerHello && !sentServerHelloDone) {
        // RFC 5246 section 7.3: a full handshake always ends the server's hello flight with
        // ServerHelloDone (7.4.5); a server changing ciphers without one is resuming.
        facts.resumed = true;
        details.add("no ServerHelloDone before it: abbreviated handshake, resumed (RFC 5246 7.3)");
      }
      changeCipherSpecSeen = true;
      expectFinished = true;
      details.add(
          facts.version == 0 && facts.offeredTls13
              ? "TLS 1.2: this side encrypts from now on (RFC 5246 7.1);"
                  + " TLS 1.3: middlebox compatibility only (RFC 8446 D.4)"
              : "this side encrypts from now on (RFC 5246 7.1)");
    }
  }

  /** Alert, RFC 8446 section 6: level, description; readable only while plaintext. */
  private void alert(boolean encrypted, List<String> details) {
    if (encrypted || fragment.length < 2) {
      details.add(encrypted ? "encrypted: level and description hidden" : "malformed alert");
      return;
    }
    details.add(
        TraceNames.alertLevel(fragment[0] & 0xff) + " " + TraceNames.alert(fragment[1] & 0xff));
  }

  private void encryptedHandshake(List<String> messages, List<String> details) {
    if (expectFinished) {
      // RFC 5246 section 7.4.9: Finished immediately follows ChangeCipherSpec, so the first
      // encrypted handshake record of the initial handshake is it, though unreadable.
      expectFinished = false;
      messages.add("Finished");
      details.add("encrypted: Finished always follows ChangeCipherSpec (RFC 5246 7.4.9)");
    } else {
      details.add("encrypted handshake message");
    }
  }

  /** Appends the fragment to the handshake bytes and names every message completed by it. */
  private void plaintextHandshake(List<String> messages, List<String> details) {
    if (handshakeGivenUp) {
      return;
    }
    handshake = concat(handshake, fragment);
    int p = 0;
    while (handshake.length - p >= 4) {
      int msgType = handshake[p] & 0xff;
      int msgLength =
          ((handshake[p + 1] & 0xff) << 16)
              | ((handshake[p + 2] & 0xff) << 8)
              | (handshake[p + 3] & 0xff);
      if (msgLength > MAX_HANDSHAKE_MESSAGE) {
        handshakeGivenUp = true;
        details.add("handshake message of " + msgLength + " B: too long to trace");
        handshake = new byte[0];
        return;
      }
      if (handshake.length - p - 4 < msgLength) {
        details.add(
            "continues in the next record: "
                + TraceNames.handshakeType(msgType)
                + " "
                + (handshake.length - p - 4)
                + " of "
                + msgLength
                + " B");
        break;
      }
      byte[] body = Arrays.copyOfRange(handshake, p + 4, p + 4 + msgLength);
      messages.add(HandshakeMessages.describe(msgType, body, facts, details));
      sentServerHello |= msgType == 2;
      sentServerHelloDone |= msgType == 14;
      p += 4 + msgLength;
    }
    handshake = Arrays.copyOfRange(handshake, p, handshake.length);
  }

  private TlsRecord garbage(String problem, ByteBuffer buf, int next, int end) {
    List<String> details = new ArrayList<>();
    details.add("not TLS: " + problem);
    byte[] start = new byte[Math.min(HEADER + (end - next), 16)];
    System.arraycopy(header, 0, start, 0, HEADER);
    buf.get(next, start, HEADER, start.length - HEADER);
    if (printable(start)) {
      String text = new String(start, StandardCharsets.US_ASCII);
      details.add("looks like text: \"" + text.replace("\r", "\\r").replace("\n", "\\n") + "\"");
    }
    details.add("decoding of this direction stopped");
    return new TlsRecord(
        direction, TlsRecord.NOT_TLS, version, HEADER + (end - next), false, List.of(), details);
  }

  private static boolean printable(byte[] b) {
    for (byte c : b) {
      if ((c < 0x20 || c > 0x7e) && c != '\r' && c != '\n') {
        return false;
      }
    }
    return true;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public String toString() {
    return "RecordDecoder[" + direction + ", " + records + " records, " + bytes + " B]";
  }
}
