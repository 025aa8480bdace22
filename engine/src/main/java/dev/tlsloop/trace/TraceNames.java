package dev.tlsloop.trace;

import dev.tlsloop.internal.RecordHeader;
import java.util.Map;

/**
 * Name tables for the numbers on the wire: content types, versions, handshake types, alerts, cipher
 * suites, extensions and groups. Names follow the IANA TLS registries; an unknown number is shown
 * in hex, never rejected.
 */
final class TraceNames {
  private TraceNames() {}

  /** Record content types, RFC 8446 section 5.1 (and RFC 6520 for heartbeat). */
  static String contentType(int type) {
    switch (type) {
      case RecordHeader.CHANGE_CIPHER_SPEC:
        return "change_cipher_spec";
      case RecordHeader.ALERT:
        return "alert";
      case RecordHeader.HANDSHAKE:
        return "handshake";
      case RecordHeader.APPLICATION_DATA:
        return "application_data";
      case RecordHeader.HEARTBEAT:
        return "heartbeat";
      default:
        return "unknown(" + type + ")";
    }
  }

  /** Protocol versions: 0x0300 is SSL 3.0, 0x0301 to 0x0304 are TLS 1.0 to 1.3. */
  static String version(int v) {
    String hex = String.format("0x%04x", v);
    if (v >= 0x0301 && v <= 0x0304) {
      return "TLS 1." + (v - 0x0301) + " (" + hex + ")";
    }
    return v == 0x0300 ? "SSL 3.0 (" + hex + ")" : "unknown (" + hex + ")";
  }

  /** Short version name without the hex, e.g. "TLS 1.3". */
  static String shortVersion(int v) {
    if (v >= 0x0301 && v <= 0x0304) {
      return "TLS 1." + (v - 0x0301);
    }
    return String.format("0x%04x", v);
  }

  /** HandshakeType, RFC 8446 section 4 and RFC 5246 section 7.4. */
  private static final Map<Integer, String> HANDSHAKE_TYPES =
      Map.ofEntries(
          Map.entry(0, "HelloRequest"),
          Map.entry(1, "ClientHello"),
          Map.entry(2, "ServerHello"),
          Map.entry(4, "NewSessionTicket"),
          Map.entry(5, "EndOfEarlyData"),
          Map.entry(8, "EncryptedExtensions"),
          Map.entry(11, "Certificate"),
          Map.entry(12, "ServerKeyExchange"),
          Map.entry(13, "CertificateRequest"),
          Map.entry(14, "ServerHelloDone"),
          Map.entry(15, "CertificateVerify"),
          Map.entry(16, "ClientKeyExchange"),
          Map.entry(20, "Finished"),
          Map.entry(22, "CertificateStatus"),
          Map.entry(24, "KeyUpdate"),
          Map.entry(254, "MessageHash"));

  static String handshakeType(int type) {
    return HANDSHAKE_TYPES.getOrDefault(type, "handshake_type(" + type + ")");
  }

  /** AlertDescription, RFC 8446 section 6 (plus the TLS 1.2-only ones of RFC 5246 7.2). */
  private static final Map<Integer, String> ALERTS =
      Map.ofEntries(
          Map.entry(0, "close_notify"),
          Map.entry(10, "unexpected_message"),
          Map.entry(20, "bad_record_mac"),
          Map.entry(21, "decryption_failed"),
          Map.entry(22, "record_overflow"),
          Map.entry(30, "decompression_failure"),
          Map.entry(40, "handshake_failure"),
          Map.entry(41, "no_certificate"),
          Map.entry(42, "bad_certificate"),
          Map.entry(43, "unsupported_certificate"),
          Map.entry(44, "certificate_revoked"),
          Map.entry(45, "certificate_expired"),
          Map.entry(46, "certificate_unknown"),
          Map.entry(47, "illegal_parameter"),
          Map.entry(48, "unknown_ca"),
          Map.entry(49, "access_denied"),
          Map.entry(50, "decode_error"),
          Map.entry(51, "decrypt_error"),
          Map.entry(60, "export_restriction"),
          Map.entry(70, "protocol_version"),
          Map.entry(71, "insufficient_security"),
          Map.entry(80, "internal_error"),
          Map.entry(86, "inappropriate_fallback"),
          Map.entry(90, "user_canceled"),
          Map.entry(100, "no_renegotiation"),
          Map.entry(109, "missing_extension"),
          Map.entry(110, "unsupported_extension"),
          Map.entry(111, "certificate_unobtainable"),
          Map.entry(112, "unrecognized_name"),
          Map.entry(113, "bad_certificate_status_response"),
          Map.entry(114, "bad_certificate_hash_value"),
          Map.entry(115, "unknown_psk_identity"),
          Map.entry(116, "certificate_required"),
          Map.entry(120, "no_application_protocol"));

  static String alert(int description) {
    return ALERTS.getOrDefault(description, "alert(" + description + ")");
  }

  /** AlertLevel: 1 warning, 2 fatal (RFC 5246 section 7.2; TLS 1.3 ignores the level). */
  static String alertLevel(int level) {
    return level == 1 ? "warning" : level == 2 ? "fatal" : "level(" + level + ")";
  }

  /** Common cipher suites by IANA code: all of TLS 1.3 (RFC 8446 B.4) and usual TLS 1.2 ones. */
  private static final Map<Integer, String> SUITES =
      Map.ofEntries(
          Map.entry(0x1301, "TLS_AES_128_GCM_SHA256"),
          Map.entry(0x1302, "TLS_AES_256_GCM_SHA384"),
          Map.entry(0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
          Map.entry(0x1304, "TLS_AES_128_CCM_SHA256"),
          Map.entry(0x1305, "TLS_AES_128_CCM_8_SHA256"),
          Map.entry(0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
          Map.entry(0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
          Map.entry(0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry(0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry(0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry(0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry(0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry(0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry(0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry(0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"),
          Map.entry(0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"),
          Map.entry(0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
          Map.entry(0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"),
          Map.entry(0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
          Map.entry(0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"),
          Map.entry(0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
          Map.entry(0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
          Map.entry(0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry(0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
          Map.entry(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"),
          Map.entry(0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"),
          Map.entry(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"),
          Map.entry(0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry(0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry(0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"),
          Map.entry(0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"),
          Map.entry(0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"),
          // Signalling values, not suites: RFC 5746 section 3.3 and RFC 7507 section 2.
          Map.entry(0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
          Map.entry(0x5600, "TLS_FALLBACK_SCSV"));

  static String cipherSuite(int code) {
    String name = SUITES.get(code);
    return name != null ? name : String.format("0x%04x", code);
  }

  /** ExtensionType, RFC 8446 section 4.2 and the IANA registry. */
  private static final Map<Integer, String> EXTENSIONS =
      Map.ofEntries(
          Map.entry(0, "server_name"),
          Map.entry(1, "max_fragment_length"),
          Map.entry(5, "status_request"),
          Map.entry(10, "supported_groups"),
          Map.entry(11, "ec_point_formats"),
          Map.entry(13, "signature_algorithms"),
          Map.entry(14, "use_srtp"),
          Map.entry(15, "heartbeat"),
          Map.entry(16, "application_layer_protocol_negotiation"),
          Map.entry(17, "status_request_v2"),
          Map.entry(18, "signed_certificate_timestamp"),
          Map.entry(21, "padding"),
          Map.entry(22, "encrypt_then_mac"),
          Map.entry(23, "extended_master_secret"),
          Map.entry(28, "record_size_limit"),
          Map.entry(35, "session_ticket"),
          Map.entry(41, "pre_shared_key"),
          Map.entry(42, "early_data"),
          Map.entry(43, "supported_versions"),
          Map.entry(44, "cookie"),
          Map.entry(45, "psk_key_exchange_modes"),
          Map.entry(47, "certificate_authorities"),
          Map.entry(48, "oid_filters"),
          Map.entry(49, "post_handshake_auth"),
          Map.entry(50, "signature_algorithms_cert"),
          Map.entry(51, "key_share"),
          Map.entry(0xff01, "renegotiation_info"));

  static String extension(int type) {
    String name = EXTENSIONS.get(type);
    return name != null ? name : String.format("ext(0x%04x)", type);
  }

  /** NamedGroup, RFC 8446 section 4.2.7. */
  static String group(int code) {
    switch (code) {
      case 0x0017:
        return "secp256r1";
      case 0x0018:
        return "secp384r1";
      case 0x0019:
        return "secp521r1";
      case 0x001d:
        return "x25519";
      case 0x001e:
        return "x448";
      case 0x0100:
        return "ffdhe2048";
      case 0x0101:
        return "ffdhe3072";
      case 0x0102:
        return "ffdhe4096";
      case 0x0103:
        return "ffdhe6144";
      case 0x0104:
        return "ffdhe8192";
      default:
        return String.format("group(0x%04x)", code);
    }
  }
}
