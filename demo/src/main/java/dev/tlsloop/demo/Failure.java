package dev.tlsloop.demo;

import dev.tlsloop.TlsTimeoutException;
import dev.tlsloop.TlsTruncationException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns whatever went wrong into one line a person can act on, and an exit status per kind. The
 * only place that knows how the JDK words its TLS failures.
 */
enum Failure {
  /** Anything not listed below. */
  OTHER(1, "failed"),
  /** Bad command line. */
  USAGE(2, "usage"),
  /** Nobody listens on the port (TCP RST). */
  REFUSED(3, "connection refused"),
  /** The name does not resolve. */
  UNKNOWN_HOST(4, "unknown host"),
  /** The peer did not answer in time. */
  TIMEOUT(5, "timed out"),
  /** The chain does not lead to a trusted CA (or is expired). */
  UNTRUSTED(6, "untrusted certificate"),
  /** The certificate is valid but for another name. */
  HOSTNAME_MISMATCH(7, "host name mismatch"),
  /** The peer aborted with a TLS alert. */
  PEER_ALERT(8, "alert from peer"),
  /** TCP ended without close_notify. */
  TRUNCATED(9, "truncated"),
  /** Any other TLS protocol failure on our side. */
  TLS(10, "TLS failure");

  private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\S+)");

  /** The process exit status. */
  final int exitCode;

  /** A short name of the kind. */
  final String label;

  Failure(int exitCode, String label) {
    this.exitCode = exitCode;
    this.label = label;
  }

  /** What kind of failure {@code t} is. */
  static Failure classify(Throwable t) {
    if (find(t, TlsTruncationException.class) != null) {
      return TRUNCATED;
    }
    if (find(t, SocketTimeoutException.class) != null
        || find(t, TlsTimeoutException.class) != null) {
      return TIMEOUT;
    }
    if (find(t, ConnectException.class) != null || find(t, NoRouteToHostException.class) != null) {
      return REFUSED;
    }
    if (find(t, UnknownHostException.class) != null
        || find(t, UnresolvedAddressException.class) != null) {
      return UNKNOWN_HOST;
    }
    if (alert(t) != null) {
      return PEER_ALERT;
    }
    CertificateException ce = find(t, CertificateException.class);
    if (ce != null) {
      return isNameMismatch(ce) ? HOSTNAME_MISMATCH : UNTRUSTED;
    }
    if (find(t, CertPathValidatorException.class) != null) {
      return UNTRUSTED;
    }
    if (find(t, javax.net.ssl.SSLException.class) != null) {
      return TLS;
    }
    return OTHER;
  }

  /** One line, without a trailing newline, saying what went wrong with {@code peer}. */
  static String describe(Throwable t, String peer) {
    Failure kind = classify(t);
    switch (kind) {
      case TRUNCATED:
        return "connection to "
            + peer
            + " truncated: the peer closed TCP without sending close_notify, so the data may be"
            + " incomplete";
      case TIMEOUT:
        TlsTimeoutException deadline = find(t, TlsTimeoutException.class);
        return "timed out waiting for "
            + peer
            + (deadline == null ? "" : " (" + deadline.getMessage() + ")");
      case REFUSED:
        return "connection refused by " + peer + " (nothing listening?)";
      case UNKNOWN_HOST:
        return "unknown host in " + peer + " (name does not resolve)";
      case PEER_ALERT:
        return peer
            + " aborted the connection with TLS alert '"
            + alert(t)
            + "'"
            + alertHint(alert(t));
      case HOSTNAME_MISMATCH:
        return "certificate of "
            + peer
            + " is not valid for that host name: "
            + innermost(find(t, CertificateException.class));
      case UNTRUSTED:
        return "certificate of " + peer + " is not trusted: " + certReason(t);
      case TLS:
        return "TLS failure with " + peer + ": " + innermost(t);
      default:
        return "failed talking to " + peer + ": " + innermost(t);
    }
  }

  private static String certReason(Throwable t) {
    if (find(t, CertificateExpiredException.class) != null) {
      return "it has expired";
    }
    if (find(t, CertificateNotYetValidException.class) != null) {
      return "it is not valid yet";
    }
    String m = innermost(t);
    if (m.contains("unable to find valid certification path")) {
      return "no trusted CA signed it (use --cacert FILE for a private CA)";
    }
    return m;
  }

  private static String alertHint(String alert) {
    switch (alert) {
      case "certificate_required":
      case "handshake_failure":
        return " (does the server require a client certificate? try --cert/--key)";
      case "bad_certificate":
      case "unknown_ca":
      case "certificate_unknown":
        return " (the peer rejected our certificate)";
      case "protocol_version":
        return " (no protocol version in common)";
      case "no_application_protocol":
        return " (no ALPN protocol in common)";
      default:
        return "";
    }
  }

  private static boolean isNameMismatch(CertificateException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    return m.contains("no subject alternative") || m.contains("no name matching");
  }

  /** The alert name in "Received fatal alert: x" anywhere in the chain, or null. */
  private static String alert(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        Matcher m = ALERT.matcher(c.getMessage());
        if (m.find()) {
          return m.group(1);
        }
      }
    }
    return null;
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  /** The deepest message in the chain: usually the one that says what really happened. */
  private static String innermost(Throwable t) {
    String msg = t.toString();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c.getMessage() != null) {
        msg = c.getMessage();
      }
    }
    return msg.replace('\n', ' ');
  }
}
