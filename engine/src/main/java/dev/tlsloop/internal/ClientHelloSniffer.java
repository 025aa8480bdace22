package dev.tlsloop.internal;

import static dev.tlsloop.internal.HelloRejected.DECODE_ERROR;
import static dev.tlsloop.internal.HelloRejected.ILLEGAL_PARAMETER;
import static dev.tlsloop.internal.HelloRejected.PROTOCOL_VERSION;
import static dev.tlsloop.internal.HelloRejected.RECORD_OVERFLOW;
import static dev.tlsloop.internal.HelloRejected.UNEXPECTED_MESSAGE;
import static dev.tlsloop.internal.RecordHeader.HEADER;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Reads the server name a client asks for from the first bytes a server receives, before any engine
 * exists. Fed those bytes in pieces of any size, it reassembles the ClientHello from its handshake
 * records (a handshake message may be fragmented over several records, RFC 8446 section 5.1) and
 * parses only what leads to server_name (RFC 6066 section 3): the record headers, the handshake
 * header, the hello's fields up to its extensions, and the ServerNameList. Every vector length is
 * checked against what encloses it.
 *
 * <p><b>Limit.</b> At most {@link #MAX_WIRE_BYTES} (64 KiB) of records may carry the ClientHello,
 * headers included: those bytes stay buffered until the engine reads them, so that is what the
 * limit bounds. The reassembly buffer grows only as needed and never beyond that limit.
 *
 * <p><b>Errors.</b> Only {@link HelloRejected}, carrying the alert to send: a first record that is
 * not handshake (e.g. HTTP on a TLS port) or a first message that is not a ClientHello,
 * unexpected_message; an SSL 2.0-compatible hello, protocol_version; a record longer than 2^14,
 * record_overflow; a malformed vector, decode_error; a hello over the limit or a malformed host
 * name, illegal_parameter.
 */
public final class ClientHelloSniffer {
  /** The most bytes of records, headers included, that may carry the ClientHello: 64 KiB. */
  public static final int MAX_WIRE_BYTES = 64 * 1024;

  private static final int CLIENT_HELLO = 1;
  private static final int HANDSHAKE_HEADER = 4;
  private static final int EXT_SERVER_NAME = 0;
  private static final int HOST_NAME = 0;

  private final byte[] header = new byte[HEADER];
  private int headerFill;

  /** Fragment bytes of the current record not yet fed. */
  private int fragmentLeft;

  /** The handshake bytes (record headers removed); its length grows only as needed. */
  private byte[] hello = new byte[HANDSHAKE_HEADER];

  private int helloFill;

  /** The whole handshake message's length, header included, once its header is here; else -1. */
  private int helloLength = -1;

  private int wireBytes;
  private boolean done;
  private String serverName;

  /**
   * Feeds bytes {@code [at, at + length)} of {@code b} by absolute index (its position and limit
   * are neither used nor changed). Returns true once the ClientHello is complete: {@link
   * #serverName()} then holds the answer, and later bytes are not looked at.
   */
  public boolean feed(ByteBuffer b, int at, int length) throws HelloRejected {
    int i = at;
    int end = at + length;
    while (i < end && !done) {
      if (headerFill < HEADER) {
        header[headerFill++] = b.get(i++);
        wireBytes++;
        checkHeaderByte();
      } else {
        int n = Math.min(end - i, fragmentLeft);
        append(b, i, n);
        i += n;
        wireBytes += n;
        fragmentLeft -= n;
        if (fragmentLeft == 0) {
          headerFill = 0; // the next record
        }
      }
      if (wireBytes > MAX_WIRE_BYTES && !done) {
        throw new HelloRejected(
            ILLEGAL_PARAMETER,
            "ClientHello still incomplete after " + MAX_WIRE_BYTES + " bytes (limit 64 KiB)");
      }
    }
    return done;
  }

  /** {@link #feed(ByteBuffer, int, int)} over an array. */
  public boolean feed(byte[] b, int at, int length) throws HelloRejected {
    return feed(ByteBuffer.wrap(b), at, length);
  }

  /** Whether the ClientHello was complete. */
  public boolean done() {
    return done;
  }

  /**
   * The host_name the ClientHello asked for, in lower case (names are case-insensitive, RFC 4343);
   * null when it sent none, or before {@link #done()}.
   */
  public String serverName() {
    return serverName;
  }

  /** The reassembly buffer's size: never more than {@link #MAX_WIRE_BYTES}. */
  public int bufferSize() {
    return hello.length;
  }

  /** Checks each header byte as it arrives, so that garbage is refused at its first byte. */
  private void checkHeaderByte() throws HelloRejected {
    switch (headerFill) {
      case 1:
        int type = RecordHeader.type(header, 0);
        if (wireBytes == 1 && (type & 0x80) != 0) {
          // An SSL 2.0 record header has its top bit set (RFC 5246 appendix E.2).
          throw new HelloRejected(
              PROTOCOL_VERSION, "an SSL 2.0-compatible ClientHello: only TLS 1.2 and 1.3 spoken");
        }
        if (type != RecordHeader.HANDSHAKE) {
          throw new HelloRejected(
              UNEXPECTED_MESSAGE,
              String.format(
                  "record type %d (first byte 0x%02x) before the ClientHello was complete:"
                      + " expected a handshake record (22); not TLS?",
                  type, type));
        }
        break;
      case 2:
        if (header[1] != 3) {
          throw new HelloRejected(
              DECODE_ERROR,
              String.format("record version major %d is not 3 (TLS): not TLS?", header[1] & 0xff));
        }
        break;
      case HEADER:
        fragmentLeft = RecordHeader.length(header, 0);
        if (fragmentLeft > RecordHeader.MAX_PLAINTEXT) {
          throw new HelloRejected(
              RECORD_OVERFLOW,
              "plaintext record of " + fragmentLeft + " bytes exceeds 2^14 (RFC 8446 5.1)");
        }
        if (fragmentLeft == 0) {
          // RFC 8446 section 5.1: zero-length fragments of handshake type MUST NOT be sent.
          throw new HelloRejected(UNEXPECTED_MESSAGE, "empty handshake record");
        }
        break;
      default:
        break;
    }
  }

  /** Appends handshake bytes; parses the header once it is here and the hello once complete. */
  private void append(ByteBuffer b, int at, int n) throws HelloRejected {
    int want = helloLength < 0 ? HANDSHAKE_HEADER : helloLength;
    int take = Math.min(n, want - helloFill);
    b.get(at, hello, helloFill, take);
    helloFill += take;
    if (helloLength < 0 && helloFill == HANDSHAKE_HEADER) {
      startHello();
      int more = Math.min(n - take, helloLength - helloFill);
      b.get(at + take, hello, helloFill, more);
      helloFill += more;
    }
    if (helloLength >= 0 && helloFill == helloLength) {
      serverName = new HelloReader(hello, HANDSHAKE_HEADER, helloLength).serverName();
      done = true;
    }
  }

  /** The handshake header: msg_type(1) and a 24-bit length (RFC 8446 section 4). */
  private void startHello() throws HelloRejected {
    if ((hello[0] & 0xff) != CLIENT_HELLO) {
      throw new HelloRejected(
          UNEXPECTED_MESSAGE,
          "handshake message type " + (hello[0] & 0xff) + " where a ClientHello (1) must come");
    }
    int bodyLength = ((hello[1] & 0xff) << 16) | ((hello[2] & 0xff) << 8) | (hello[3] & 0xff);
    // The records carrying it need at least one header: a body over this cannot fit the limit.
    // illegal_parameter, as OpenSSL answers an excessive message size: the hello is not malformed.
    if (bodyLength > MAX_WIRE_BYTES - HEADER - HANDSHAKE_HEADER) {
      throw new HelloRejected(
          ILLEGAL_PARAMETER,
          "ClientHello of " + bodyLength + " bytes exceeds the limit (64 KiB of records)");
    }
    helloLength = HANDSHAKE_HEADER + bodyLength;
    hello = Arrays.copyOf(hello, helloLength); // allocated once its size is known
  }

  /**
   * The ClientHello body, read front to back with each vector inside its enclosing length (RFC 8446
   * section 4.1.2; TLS 1.2's, RFC 5246 section 7.4.1.2, has the same leading fields).
   */
  private static final class HelloReader {
    private final byte[] b;
    private int p;

    HelloReader(byte[] b, int start, int end) {
      this.b = b;
      this.p = start;
      this.end = end;
    }

    private final int end;

    String serverName() throws HelloRejected {
      skip(2 + 32, end, "legacy_version and random");
      skip(u8(end), end, "legacy_session_id");
      int suites = u16(end);
      if (suites < 2 || suites % 2 != 0) {
        throw malformed("cipher_suites length " + suites);
      }
      skip(suites, end, "cipher_suites");
      int compressions = u8(end);
      if (compressions < 1) {
        throw malformed("empty legacy_compression_methods");
      }
      skip(compressions, end, "legacy_compression_methods");
      if (p == end) {
        return null; // TLS 1.2 allows a hello without extensions (RFC 5246 7.4.1.2)
      }
      int extEnd = vectorEnd(u16(end), end, "extensions");
      if (extEnd != end) {
        throw malformed((end - extEnd) + " bytes after the extensions");
      }
      String name = null;
      boolean seen = false;
      while (p < extEnd) {
        int type = u16(extEnd);
        int dataEnd = vectorEnd(u16(extEnd), extEnd, "extension " + type);
        if (type == EXT_SERVER_NAME) {
          if (seen) {
            // RFC 8446 section 4.2: no two extensions of the same type.
            throw new HelloRejected(ILLEGAL_PARAMETER, "two server_name extensions");
          }
          seen = true;
          name = serverNameList(dataEnd);
        }
        p = dataEnd;
      }
      return name;
    }

    /** RFC 6066 section 3: ServerNameList server_name_list<1..2^16-1>, at most one host_name. */
    private String serverNameList(int dataEnd) throws HelloRejected {
      int listEnd = vectorEnd(u16(dataEnd), dataEnd, "server_name_list");
      if (listEnd != dataEnd || listEnd == p) {
        throw malformed("server_name_list does not fill its extension, or is empty");
      }
      String host = null;
      while (p < listEnd) {
        int nameType = u8(listEnd);
        int nameEnd = vectorEnd(u16(listEnd), listEnd, "server name");
        if (nameEnd == p) {
          throw malformed("empty server name"); // HostName<1..2^16-1>
        }
        if (nameType == HOST_NAME) {
          if (host != null) {
            throw new HelloRejected(ILLEGAL_PARAMETER, "two host_name entries (RFC 6066 3)");
          }
          host = hostName(p, nameEnd);
        }
        p = nameEnd;
      }
      return host;
    }

    /** ASCII, no trailing dot (RFC 6066 section 3), lowered. */
    private String hostName(int from, int to) throws HelloRejected {
      char[] c = new char[to - from];
      for (int i = from; i < to; i++) {
        int ch = b[i] & 0xff;
        if (ch <= 0x20 || ch >= 0x7f) {
          throw new HelloRejected(
              ILLEGAL_PARAMETER, String.format("byte 0x%02x in the SNI host name", ch));
        }
        c[i - from] = (char) (ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch);
      }
      if (c[c.length - 1] == '.') {
        throw new HelloRejected(ILLEGAL_PARAMETER, "SNI host name ends with a dot (RFC 6066 3)");
      }
      return new String(c);
    }

    private int u8(int limit) throws HelloRejected {
      need(1, limit, "a length");
      return b[p++] & 0xff;
    }

    private int u16(int limit) throws HelloRejected {
      need(2, limit, "a length");
      int v = ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
      p += 2;
      return v;
    }

    private void skip(int n, int limit, String what) throws HelloRejected {
      need(n, limit, what);
      p += n;
    }

    /** Where a vector of {@code n} bytes starting here ends; it must end by {@code limit}. */
    private int vectorEnd(int n, int limit, String what) throws HelloRejected {
      need(n, limit, what);
      return p + n;
    }

    private void need(int n, int limit, String what) throws HelloRejected {
      if (n > limit - p) {
        throw malformed(
            what + " of " + n + " bytes overruns its enclosing length by " + (n - (limit - p)));
      }
    }

    private static HelloRejected malformed(String what) {
      return new HelloRejected(DECODE_ERROR, "malformed ClientHello: " + what);
    }
  }
}
