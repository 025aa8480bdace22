package dev.tlsloop.trace;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes one complete plaintext handshake message (RFC 8446 section 4, RFC 5246 section 7.4) into
 * its name and the facts a reader of a trace wants: SNI, ALPN, versions, suites, key shares,
 * resumption. Only hellos and a few TLS 1.2 messages are ever plaintext; everything else is
 * encrypted and never reaches here. A malformed body yields a "malformed" fact, never an exception.
 */
final class HandshakeMessages {
  /** SHA-256("HelloRetryRequest"): a ServerHello with this random is an HRR (RFC 8446 4.1.3). */
  private static final byte[] HRR_RANDOM = {
    (byte) 0xcf,
    0x21,
    (byte) 0xad,
    0x74,
    (byte) 0xe5,
    (byte) 0x9a,
    0x61,
    0x11,
    (byte) 0xbe,
    0x1d,
    (byte) 0x8c,
    0x02,
    0x1e,
    0x65,
    (byte) 0xb8,
    (byte) 0x91,
    (byte) 0xc2,
    (byte) 0xa2,
    0x11,
    0x16,
    0x7a,
    (byte) 0xbb,
    (byte) 0x8c,
    0x5e,
    0x07,
    (byte) 0x9e,
    0x09,
    (byte) 0xe2,
    (byte) 0xc8,
    (byte) 0xa8,
    0x33,
    (byte) 0x9c
  };

  /** "DOWNGRD": a TLS 1.3 server negotiating less ends its random with it (RFC 8446 4.1.3). */
  private static final byte[] DOWNGRADE = "DOWNGRD".getBytes(StandardCharsets.US_ASCII);

  /** How many offered suites a ClientHello line names before "...". */
  private static final int SUITES_SHOWN = 3;

  private HandshakeMessages() {}

  /**
   * Names message {@code type} with {@code body} and adds its facts to {@code details}; updates
   * {@code facts}. Returns the name.
   */
  static String describe(int type, byte[] body, HandshakeFacts facts, List<String> details) {
    String name = TraceNames.handshakeType(type);
    ByteBuffer b = ByteBuffer.wrap(body);
    try {
      switch (type) {
        case 1:
          clientHello(b, facts, details);
          break;
        case 2:
          return serverHello(b, facts, details);
        case 4:
          if (!facts.isTls13()) {
            // RFC 5077 section 3.3: lifetime hint (4 bytes), ticket<0..2^16-1>.
            long hint = b.getInt() & 0xffffffffL;
            details.add("ticket " + u16(b) + " B, lifetime hint " + hint + " s");
          }
          break;
        case 11:
          certificate(b, facts, details);
          break;
        case 12:
          serverKeyExchange(b, details);
          break;
        case 13:
          details.add("server asks for a client certificate");
          break;
        case 16:
          details.add("key exchange " + body.length + " B");
          break;
        default:
          break;
      }
    } catch (RuntimeException e) {
      details.add("malformed " + name + " (" + e.getClass().getSimpleName() + ")");
    }
    return name;
  }

  /** ClientHello, RFC 8446 section 4.1.2 (the TLS 1.2 layout of RFC 5246 7.4.1.2 is the same). */
  private static void clientHello(ByteBuffer b, HandshakeFacts facts, List<String> details) {
    int legacyVersion = u16(b);
    skip(b, 32); // random
    byte[] sessionId = bytes(b, u8(b));
    facts.clientSessionId = sessionId;
    int suiteBytes = u16(b);
    List<String> suites = new ArrayList<>();
    for (int i = 0; i < suiteBytes / 2; i++) {
      suites.add(TraceNames.cipherSuite(u16(b)));
    }
    skip(b, u8(b)); // compression methods: always just "null" today
    String sni = "none";
    List<String> alpn = null;
    List<String> versions = null;
    List<String> shares = null;
    List<String> extensions = new ArrayList<>();
    int psk = -1;
    int ticket = -1;
    if (b.hasRemaining()) {
      ByteBuffer all = slice(b, u16(b));
      while (all.hasRemaining()) {
        int ext = u16(all);
        ByteBuffer e = slice(all, u16(all));
        extensions.add(TraceNames.extension(ext));
        switch (ext) {
          case 0:
            sni = serverName(e);
            break;
          case 16:
            alpn = alpn(e);
            facts.offeredAlpn = true;
            break;
          case 43:
            versions = new ArrayList<>();
            for (int n = u8(e) / 2; n > 0; n--) {
              int v = u16(e);
              facts.offeredTls13 |= v == 0x0304;
              versions.add(TraceNames.shortVersion(v));
            }
            break;
          case 51:
            shares = new ArrayList<>();
            ByteBuffer list = slice(e, u16(e));
            while (list.hasRemaining()) {
              shares.add(TraceNames.group(u16(list)));
              skip(list, u16(list));
            }
            break;
          case 41:
            psk = countPskIdentities(e);
            break;
          case 35:
            ticket = e.remaining();
            break;
          default:
            break;
        }
      }
    }
    details.add("SNI=" + sni);
    if (alpn != null) {
      details.add("ALPN offered=" + alpn);
    }
    details.add(
        versions != null
            ? "versions offered=" + versions + " (supported_versions)"
            : "version=" + TraceNames.shortVersion(legacyVersion));
    details.add(
        "suites="
            + suites.size()
            + " "
            + suites.subList(0, Math.min(SUITES_SHOWN, suites.size()))
            + (suites.size() > SUITES_SHOWN ? "..." : ""));
    details.add("session id " + sessionId.length + " B");
    if (shares != null) {
      details.add("key_share=" + shares);
    }
    if (psk >= 0) {
      details.add("pre_shared_key offered (" + psk + " identities: resumption attempt)");
    }
    if (ticket > 0) {
      details.add("session_ticket offered (" + ticket + " B: resumption attempt)");
    }
    details.add("extensions=" + extensions);
  }

  /** ServerHello or HelloRetryRequest, RFC 8446 sections 4.1.3 and 4.1.4. Returns the name. */
  private static String serverHello(ByteBuffer b, HandshakeFacts facts, List<String> details) {
    int legacyVersion = u16(b);
    byte[] random = bytes(b, 32);
    boolean hrr = Arrays.equals(random, HRR_RANDOM);
    byte[] sessionId = bytes(b, u8(b));
    int suite = u16(b);
    skip(b, 1); // compression method
    int version = legacyVersion;
    boolean pskAccepted = false;
    String share = null;
    String alpn = null;
    List<String> extensions = new ArrayList<>();
    if (b.hasRemaining()) {
      ByteBuffer all = slice(b, u16(b));
      while (all.hasRemaining()) {
        int ext = u16(all);
        ByteBuffer e = slice(all, u16(all));
        extensions.add(TraceNames.extension(ext));
        switch (ext) {
          case 43:
            version = u16(e); // the real version; legacy_version is frozen at 0x0303
            break;
          case 41:
            pskAccepted = true;
            break;
          case 51:
            share = TraceNames.group(u16(e)); // HRR: the group wanted; else the server's share
            break;
          case 16:
            List<String> chosen = alpn(e);
            alpn = chosen.isEmpty() ? "" : chosen.get(0);
            break;
          default:
            break;
        }
      }
    }
    facts.version = version;
    facts.cipherSuite = suite;
    String name = hrr ? "HelloRetryRequest" : "ServerHello";
    if (hrr) {
      facts.helloRetry = true;
      details.add(
          "HelloRetryRequest: ServerHello with the special random (RFC 8446 4.1.4)"
              + (share != null ? ", asks for a key_share in " + share : ""));
    }
    details.add("suite=" + TraceNames.cipherSuite(suite));
    details.add(
        "version="
            + TraceNames.version(version)
            + (version != legacyVersion ? " (supported_versions)" : ""));
    if (share != null && !hrr) {
      details.add("key_share=" + share);
    }
    if (alpn != null) {
      details.add("ALPN=" + alpn);
    }
    if (version == 0x0304) {
      if (pskAccepted) {
        facts.resumed = true;
        details.add("pre_shared_key accepted: session resumed (RFC 8446 4.2.11)");
      }
      if (sessionId.length > 0) {
        details.add("legacy_session_id echoed (middlebox compatibility, RFC 8446 D.4)");
      }
      if (!hrr) {
        // RFC 8446 section 2: the rest of the server's flight is protected; with a PSK accepted
        // there is no Certificate nor CertificateVerify.
        details.add(
            "encrypted from here (RFC 8446 section 2): EncryptedExtensions, "
                + (pskAccepted ? "" : "[CertificateRequest], Certificate, CertificateVerify, ")
                + "Finished");
        if (facts.offeredAlpn && alpn == null) {
          details.add("the ALPN answer is inside EncryptedExtensions (RFC 8446 4.3.1)");
        }
      }
    } else {
      byte[] offered = facts.clientSessionId;
      if (sessionId.length > 0 && offered != null && Arrays.equals(offered, sessionId)) {
        facts.resumed = true;
        details.add(
            "session id "
                + sessionId.length
                + " B echoes the ClientHello's: session resumed, no Certificate"
                + " (RFC 5246 7.3)");
      } else {
        details.add("new session id " + sessionId.length + " B: full handshake");
      }
      if (endsWith(random, DOWNGRADE)) {
        details.add("random ends with DOWNGRD: server supports TLS 1.3 (RFC 8446 4.1.3)");
      }
    }
    details.add("extensions=" + extensions);
    return name;
  }

  /** TLS 1.2 Certificate (RFC 5246 7.4.2); TLS 1.3's has a request context first (4.4.2). */
  private static void certificate(ByteBuffer b, HandshakeFacts facts, List<String> details) {
    if (facts.isTls13()) {
      skip(b, u8(b));
    }
    ByteBuffer list = slice(b, u24(b));
    int count = 0;
    String leaf = null;
    while (list.hasRemaining()) {
      byte[] der = bytes(list, u24(list));
      if (facts.isTls13()) {
        skip(list, u16(list)); // per-certificate extensions
      }
      if (count++ == 0) {
        leaf = subject(der);
      }
    }
    details.add("certificates=" + count + (leaf != null ? " leaf=" + leaf : ""));
  }

  /** ECDHE parameters, RFC 8422 section 5.4: curve_type 3 = named_curve, then the group. */
  private static void serverKeyExchange(ByteBuffer b, List<String> details) {
    if (u8(b) == 3) {
      details.add("ECDHE group=" + TraceNames.group(u16(b)));
    } else {
      details.add("key exchange parameters " + (b.remaining() + 1) + " B");
    }
  }

  private static String subject(byte[] der) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      X509Certificate c = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
      return c.getSubjectX500Principal().getName();
    } catch (Exception e) {
      return "(unparsable: " + e.getClass().getSimpleName() + ")";
    }
  }

  /** server_name, RFC 6066 section 3: a list of (type, host_name); type 0 is a DNS name. */
  private static String serverName(ByteBuffer e) {
    ByteBuffer list = slice(e, u16(e));
    List<String> names = new ArrayList<>();
    while (list.hasRemaining()) {
      int type = u8(list);
      byte[] name = bytes(list, u16(list));
      if (type == 0) {
        names.add(new String(name, StandardCharsets.US_ASCII));
      }
    }
    return names.isEmpty() ? "none" : String.join(",", names);
  }

  /** ALPN, RFC 7301 section 3.1: a list of length-prefixed protocol names. */
  private static List<String> alpn(ByteBuffer e) {
    ByteBuffer list = slice(e, u16(e));
    List<String> names = new ArrayList<>();
    while (list.hasRemaining()) {
      names.add(new String(bytes(list, u8(list)), StandardCharsets.US_ASCII));
    }
    return names;
  }

  /** pre_shared_key in a ClientHello, RFC 8446 4.2.11: identities (id, obfuscated age). */
  private static int countPskIdentities(ByteBuffer e) {
    ByteBuffer ids = slice(e, u16(e));
    int n = 0;
    while (ids.hasRemaining()) {
      skip(ids, u16(ids));
      skip(ids, 4);
      n++;
    }
    return n;
  }

  private static boolean endsWith(byte[] random, byte[] tail) {
    int from = random.length - 8; // 7 bytes of "DOWNGRD" then 0x01 (TLS 1.2) or 0x00
    return Arrays.equals(random, from, from + tail.length, tail, 0, tail.length);
  }

  // Readers: ByteBuffer's own bounds checks turn a truncated body into a RuntimeException.

  static int u8(ByteBuffer b) {
    return b.get() & 0xff;
  }

  static int u16(ByteBuffer b) {
    return b.getShort() & 0xffff;
  }

  static int u24(ByteBuffer b) {
    return (u8(b) << 16) | u16(b);
  }

  private static void skip(ByteBuffer b, int n) {
    b.position(b.position() + n);
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  /** The next {@code n} bytes as their own buffer; {@code b} moves past them. */
  private static ByteBuffer slice(ByteBuffer b, int n) {
    ByteBuffer s = b.slice(b.position(), n);
    skip(b, n);
    return s;
  }
}
