package dev.tlsloop.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * TLS records as raw bytes, with no TLS library in between: what a hostile client writes and what
 * the test reads back. Only the 5-byte record header is understood (RFC 8446 5.1, RFC 5246 6.2.1),
 * plus the 2-byte body of a plaintext alert.
 */
final class Wire {
  static final int CHANGE_CIPHER_SPEC = 20;
  static final int ALERT = 21;
  static final int HANDSHAKE = 22;
  static final int APPLICATION_DATA = 23;
  static final int HEARTBEAT = 24;

  static final int TLS10 = 0x0301;
  static final int TLS12 = 0x0303;

  static final int WARNING = 1;
  static final int FATAL = 2;

  /** Alert descriptions by the names the JDK uses in "Received fatal alert: NAME". */
  static final Map<String, Integer> ALERTS =
      Map.ofEntries(
          Map.entry("close_notify", 0),
          Map.entry("unexpected_message", 10),
          Map.entry("bad_record_mac", 20),
          Map.entry("record_overflow", 22),
          Map.entry("handshake_failure", 40),
          Map.entry("bad_certificate", 42),
          Map.entry("certificate_unknown", 46),
          Map.entry("illegal_parameter", 47),
          Map.entry("unknown_ca", 48),
          Map.entry("decode_error", 50),
          Map.entry("decrypt_error", 51),
          Map.entry("protocol_version", 70),
          Map.entry("insufficient_security", 71),
          Map.entry("internal_error", 80),
          Map.entry("user_canceled", 90),
          Map.entry("missing_extension", 109),
          Map.entry("unsupported_extension", 110),
          Map.entry("certificate_required", 116),
          Map.entry("no_application_protocol", 120));

  private Wire() {}

  /** One record: header fields and fragment. */
  record Rec(int type, int version, byte[] fragment) {
    /** Whether this is a plaintext alert: type 21 and exactly level + description. */
    boolean isPlainAlert() {
      return type == ALERT && fragment.length == 2;
    }

    int level() {
      return fragment[0] & 0xff;
    }

    int description() {
      return fragment[1] & 0xff;
    }

    byte[] bytes() {
      return record(type, version, fragment);
    }

    @Override
    public String toString() {
      return isPlainAlert()
          ? "alert(level " + level() + ", " + name(description()) + ")"
          : "record(type " + type + ", " + fragment.length + " B)";
    }
  }

  /** What the peer sent until it closed (or until the timeout). */
  record Seen(List<Rec> records, byte[] trailing, boolean eof, String error) {
    /** The last record, or null. */
    Rec last() {
      return records.isEmpty() ? null : records.get(records.size() - 1);
    }

    /** The plaintext alerts among the records. */
    List<Rec> plainAlerts() {
      List<Rec> out = new ArrayList<>();
      for (Rec r : records) {
        if (r.isPlainAlert()) {
          out.add(r);
        }
      }
      return out;
    }

    @Override
    public String toString() {
      return records
          + (trailing.length > 0 ? " +" + trailing.length + " B partial" : "")
          + (eof ? " EOF" : " (no EOF)")
          + (error != null ? " " + error : "");
    }
  }

  static byte[] record(int type, int version, byte[] fragment) {
    byte[] r = new byte[5 + fragment.length];
    r[0] = (byte) type;
    r[1] = (byte) (version >>> 8);
    r[2] = (byte) version;
    r[3] = (byte) (fragment.length >>> 8);
    r[4] = (byte) fragment.length;
    System.arraycopy(fragment, 0, r, 5, fragment.length);
    return r;
  }

  /** {@code data} cut into records of at most {@code size} bytes each. */
  static byte[] records(int type, int version, byte[] data, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int p = 0; p < data.length; p += size) {
      out.writeBytes(
          record(type, version, Arrays.copyOfRange(data, p, Math.min(data.length, p + size))));
    }
    return out.toByteArray();
  }

  /** A record header alone, announcing {@code length} bytes. */
  static byte[] header(int type, int version, int length) {
    return new byte[] {
      (byte) type, (byte) (version >>> 8), (byte) version, (byte) (length >>> 8), (byte) length
    };
  }

  static byte[] alert(int level, int description) {
    return record(ALERT, TLS12, new byte[] {(byte) level, (byte) description});
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Splits whole records off {@code wire}; what is left over is returned as the trailing part. */
  static Seen parse(byte[] wire, boolean eof, String error) {
    List<Rec> records = new ArrayList<>();
    int p = 0;
    while (wire.length - p >= 5) {
      int len = ((wire[p + 3] & 0xff) << 8) | (wire[p + 4] & 0xff);
      if (wire.length - p - 5 < len) {
        break;
      }
      int version = ((wire[p + 1] & 0xff) << 8) | (wire[p + 2] & 0xff);
      records.add(new Rec(wire[p] & 0xff, version, Arrays.copyOfRange(wire, p + 5, p + 5 + len)));
      p += 5 + len;
    }
    return new Seen(records, Arrays.copyOfRange(wire, p, wire.length), eof, error);
  }

  /** The records of a whole byte string, which must hold whole records only. */
  static List<Rec> records(byte[] wire) {
    Seen s = parse(wire, true, null);
    if (s.trailing().length != 0) {
      throw new IllegalArgumentException(s.trailing().length + " trailing bytes");
    }
    return s.records();
  }

  /**
   * Reads everything the peer sends until EOF, a reset, or {@code timeoutMillis} of silence
   * (reported as no EOF).
   */
  static Seen readUntilEof(Socket s, int timeoutMillis) throws IOException {
    s.setSoTimeout(timeoutMillis);
    InputStream in = s.getInputStream();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    boolean eof = false;
    String error = null;
    try {
      int n;
      while ((n = in.read(buf)) >= 0) {
        got.write(buf, 0, n);
      }
      eof = true;
    } catch (SocketTimeoutException e) {
      error = "timeout after " + timeoutMillis + " ms";
    } catch (SocketException e) {
      error = "reset: " + e.getMessage();
    }
    return parse(got.toByteArray(), eof, error);
  }

  static String name(int description) {
    for (Map.Entry<String, Integer> e : ALERTS.entrySet()) {
      if (e.getValue() == description) {
        return e.getKey();
      }
    }
    return "alert#" + description;
  }

  static int code(String name) {
    Integer c = ALERTS.get(name);
    if (c == null) {
      throw new IllegalArgumentException("unknown alert name " + name);
    }
    return c;
  }
}
