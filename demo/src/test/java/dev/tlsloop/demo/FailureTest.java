package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsTruncationException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The exception-to-message table, with the exceptions shaped as the JDK and the engine throw them
 * (the real failures themselves are produced in {@link DemoClientTest} and the real-peer tests).
 */
class FailureTest {
  private static final String PEER = "example.org:443";

  private static SSLHandshakeException handshake(String message, Throwable cause) {
    SSLHandshakeException e = new SSLHandshakeException(message);
    e.initCause(cause);
    return e;
  }

  @Test
  void truncationWinsOverEverythingElse() {
    IOException e = new TlsTruncationException("connection truncated");
    assertEquals(Failure.TRUNCATED, Failure.classify(e));
    assertEquals(Failure.TRUNCATED, Failure.classify(new SSLException("failed earlier", e)));
    assertTrue(Failure.describe(e, PEER).contains("without sending close_notify"));
  }

  @Test
  void hostNameMismatchIsToldApartFromAnUntrustedChain() {
    Exception mismatch =
        handshake(
            "(certificate_unknown) No subject alternative DNS name matching example.org found.",
            new CertificateException(
                "No subject alternative DNS name matching example.org found."));
    assertEquals(Failure.HOSTNAME_MISMATCH, Failure.classify(mismatch));
    Exception ipMismatch =
        handshake("x", new CertificateException("No subject alternative names matching IP"));
    assertEquals(Failure.HOSTNAME_MISMATCH, Failure.classify(ipMismatch));
    Exception untrusted =
        handshake(
            "PKIX path building failed",
            new CertificateException(
                "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid"
                    + " certification path to requested target"));
    assertEquals(Failure.UNTRUSTED, Failure.classify(untrusted));
    assertTrue(Failure.describe(untrusted, PEER).contains("--cacert"));
    Exception expired = handshake("x", new CertificateExpiredException("NotAfter: ..."));
    assertEquals(Failure.UNTRUSTED, Failure.classify(expired));
    assertTrue(Failure.describe(expired, PEER).endsWith("it has expired"));
  }

  @Test
  void alertsFromThePeerAreNamedWithAHint() {
    Exception e = new SSLException("Received fatal alert: certificate_required");
    assertEquals(Failure.PEER_ALERT, Failure.classify(e));
    assertEquals(
        "example.org:443 aborted the connection with TLS alert 'certificate_required' (does the"
            + " server require a client certificate? try --cert/--key)",
        Failure.describe(e, PEER));
  }

  @Test
  void networkFailures() {
    assertEquals(Failure.REFUSED, Failure.classify(new ConnectException("Connection refused")));
    assertEquals(Failure.TIMEOUT, Failure.classify(new SocketTimeoutException("read")));
    assertEquals(Failure.UNKNOWN_HOST, Failure.classify(new UnresolvedAddressException()));
    assertEquals(Failure.OTHER, Failure.classify(new IOException("Broken pipe")));
    assertEquals(Failure.TLS, Failure.classify(new SSLException("bad record MAC")));
  }

  @Test
  void everyMessageIsOneLine() {
    Exception e = new SSLException("two\nlines", new IOException("inner\nmessage"));
    assertTrue(!Failure.describe(e, PEER).contains("\n"));
  }

  @Test
  void exitCodesAreDistinct() {
    long distinct =
        java.util.Arrays.stream(Failure.values()).mapToInt(f -> f.exitCode).distinct().count();
    assertEquals(Failure.values().length, distinct);
  }
}
