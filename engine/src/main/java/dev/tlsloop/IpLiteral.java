package dev.tlsloop;

import java.util.Arrays;

/**
 * A strict, text-only parser for IP-address literals in a client's host string. It never resolves a
 * name: Java 17 has no public literal-only parser ({@code InetAddress.getByName} falls back to DNS
 * for anything it does not take as a literal), and whether a host is a literal decides two
 * security-relevant things: SNI is not sent for it (RFC 6066 section 3) and the certificate must
 * carry a matching iPAddress SAN instead of a dNSName (RFC 2818 section 3.1, RFC 6125 section
 * 1.7.2).
 *
 * <p>Accepted forms:
 *
 * <ul>
 *   <li>IPv4: a dotted quad, exactly four decimal parts of 0 to 255. A part with a leading zero
 *       ({@code 010.0.0.1}) is <em>not</em> a literal: {@code inet_aton} and WHATWG URL parsers
 *       read it as octal (8.0.0.1), Java as decimal (10.0.0.1), so it has no single meaning. The
 *       shorter BSD forms ({@code 127.1}, {@code 2130706433}) and hex parts ({@code 0x7f.0.0.1})
 *       are not literals either.
 *   <li>IPv6 (RFC 4291 section 2.2): eight groups of one to four hex digits, or fewer with one
 *       {@code ::} standing for one or more zero groups, the last 32 bits optionally written as a
 *       dotted quad ({@code ::ffff:192.0.2.1}); optionally in brackets ({@code [::1]}, RFC 3986
 *       section 3.2.2) and optionally with a zone ({@code fe80::1%eth0}, RFC 4007 section 11): one
 *       or more of {@code A-Z a-z 0-9 - . _ ~}, taken as is ({@code %25} is not decoded).
 * </ul>
 *
 * <p>Everything else is not a literal. {@link #refusedAsHostName} names the strings that are
 * neither a literal nor usable as a DNS name.
 */
final class IpLiteral {
  private final byte[] address;

  private IpLiteral(byte[] address) {
    this.address = address;
  }

  /** The literal in {@code host}, or null if {@code host} is not one of the forms above. */
  static IpLiteral parse(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    byte[] v4 = parseIpv4(host);
    if (v4 != null) {
      return new IpLiteral(v4);
    }
    String s = host;
    boolean open = s.startsWith("[");
    boolean close = s.endsWith("]");
    if (open != close) {
      return null;
    }
    if (open) {
      s = s.substring(1, s.length() - 1);
    }
    int percent = s.indexOf('%');
    if (percent >= 0) {
      if (!isZone(s.substring(percent + 1))) {
        return null;
      }
      s = s.substring(0, percent);
    }
    byte[] v6 = parseIpv6(s);
    return v6 == null ? null : new IpLiteral(v6);
  }

  /**
   * True for a host that is not a literal and cannot be a DNS name either, so a client must refuse
   * it rather than guess: one holding {@code [ ] : %} (only literals have those), or one whose last
   * label is a number, decimal or {@code 0x} hex ({@code 1.2.3}, {@code 010.0.0.1}, {@code
   * 0x7f000001}): a top-level domain is never all-numeric (RFC 3696 section 2), and URL parsers and
   * C resolvers read such strings as IPv4 addresses in other forms (the WHATWG URL standard's "ends
   * in a number" rule), so one peer's host name would be another's address.
   */
  static boolean refusedAsHostName(String host) {
    if (parse(host) != null) {
      return false;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '[' || c == ']' || c == ':' || c == '%') {
        return true;
      }
    }
    String s = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String last = s.substring(s.lastIndexOf('.') + 1);
    if (!last.isEmpty() && allMatch(last, 0, IpLiteral::isDigit)) {
      return true;
    }
    return (last.startsWith("0x") || last.startsWith("0X")) && allMatch(last, 2, IpLiteral::isHex);
  }

  /** 4 bytes for IPv4, 16 for IPv6 (an IPv4-mapped address stays 16 bytes). */
  byte[] address() {
    return address.clone();
  }

  /**
   * The canonical text: a dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed,
   * {@code ::ffff:a.b.c.d} for IPv4-mapped); never brackets or a zone. This is what the engine gets
   * as its peer host: the JDK's host-name check compares it with the certificate's iPAddress SANs
   * and parses it with {@code InetAddress.getByName}, which, on this text, resolves nothing. The
   * zone is dropped because it names a local interface, not the peer: a SAN has none (RFC 5280
   * section 4.2.1.6) and the JDK would look the interface up.
   */
  String canonical() {
    if (address.length == 4) {
      return dotted(address, 0);
    }
    if (isIpv4Mapped()) {
      return "::ffff:" + dotted(address, 12);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1; // RFC 5952 section 4.2.2: "::" never stands for a single group
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(groups[i]));
    }
    return sb.toString();
  }

  private boolean isIpv4Mapped() {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return false;
      }
    }
    return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
  }

  private static String dotted(byte[] a, int from) {
    return (a[from] & 0xff)
        + "."
        + (a[from + 1] & 0xff)
        + "."
        + (a[from + 2] & 0xff)
        + "."
        + (a[from + 3] & 0xff);
  }

  /** Exactly four parts of 1-3 decimal digits, 0-255, no leading zero; else null. */
  private static byte[] parseIpv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty()
          || p.length() > 3
          || !allMatch(p, 0, IpLiteral::isDigit)
          || (p.length() > 1 && p.charAt(0) == '0')) {
        return null;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return null;
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /** RFC 4291 section 2.2 text, without brackets or zone; else null. */
  private static byte[] parseIpv6(String s) {
    int gap = s.indexOf("::");
    if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
      return null; // two "::" would make the zero run's length ambiguous
    }
    String head = gap >= 0 ? s.substring(0, gap) : s;
    String tail = gap >= 0 ? s.substring(gap + 2) : "";
    // A dotted quad only ends the address: never before "::".
    byte[] headBytes = groups(head, gap < 0);
    byte[] tailBytes = groups(tail, true);
    if (headBytes == null || tailBytes == null) {
      return null;
    }
    int explicit = headBytes.length + tailBytes.length;
    if (gap < 0 ? explicit != 16 : explicit > 14) {
      return null; // "::" stands for at least one zero group
    }
    byte[] out = new byte[16];
    System.arraycopy(headBytes, 0, out, 0, headBytes.length);
    System.arraycopy(tailBytes, 0, out, 16 - tailBytes.length, tailBytes.length);
    return out;
  }

  /**
   * Colon-separated groups of 1-4 hex digits as bytes; when {@code mayEndInIpv4}, the last group
   * may be a dotted quad (4 bytes). An empty string is no groups. Null on any error.
   */
  private static byte[] groups(String s, boolean mayEndInIpv4) {
    if (s.isEmpty()) {
      return new byte[0];
    }
    String[] parts = s.split(":", -1);
    byte[] out = new byte[parts.length * 2 + 2];
    int n = 0;
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i];
      if (i == parts.length - 1 && mayEndInIpv4 && p.indexOf('.') >= 0) {
        byte[] v4 = parseIpv4(p);
        if (v4 == null) {
          return null;
        }
        System.arraycopy(v4, 0, out, n, 4);
        n += 4;
        continue;
      }
      if (p.isEmpty() || p.length() > 4 || !allMatch(p, 0, IpLiteral::isHex)) {
        return null;
      }
      int v = Integer.parseInt(p, 16);
      out[n++] = (byte) (v >> 8);
      out[n++] = (byte) v;
    }
    return n > 16 ? null : Arrays.copyOf(out, n);
  }

  private static boolean isZone(String z) {
    return !z.isEmpty()
        && allMatch(
            z,
            0,
            c -> isDigit(c) || isAsciiLetter(c) || c == '-' || c == '.' || c == '_' || c == '~');
  }

  private interface CharTest {
    boolean test(char c);
  }

  private static boolean allMatch(String s, int from, CharTest t) {
    if (from >= s.length()) {
      return false;
    }
    for (int i = from; i < s.length(); i++) {
      if (!t.test(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9'; // ASCII only: Character.isDigit accepts other scripts' digits
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  @Override
  public String toString() {
    return canonical();
  }
}
