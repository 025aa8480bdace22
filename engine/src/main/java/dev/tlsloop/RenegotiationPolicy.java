package dev.tlsloop;

/**
 * Which TLS 1.2 renegotiations started by the peer a connection accepts (RFC 5246 section 7.4.1,
 * secure renegotiation per RFC 5746; TLS 1.3 has none). Set with {@link
 * TlsConfig.Builder#renegotiation}. Defaults: a server refuses every renegotiation its client
 * starts ({@link #refuse()}): it buys a client nothing a new connection would not, and costs the
 * server a full handshake per request (CVE-2011-1473); a client accepts the renegotiations its
 * server starts ({@link #allow()}), which servers use to ask for a client certificate late.
 *
 * <p>A refused renegotiation fails the connection ({@link TlsState#FAILED}) with an {@link
 * javax.net.ssl.SSLHandshakeException}; NOTES.md ("Renegotiation policy") says what the peer sees.
 * Renegotiations this side starts itself are not counted.
 */
public final class RenegotiationPolicy {
  private static final RenegotiationPolicy REFUSE = new RenegotiationPolicy(0);
  private static final RenegotiationPolicy ALLOW = new RenegotiationPolicy(Integer.MAX_VALUE);

  private final int limit;

  private RenegotiationPolicy(int limit) {
    this.limit = limit;
  }

  /** Refuse every renegotiation the peer starts (a server's default). */
  public static RenegotiationPolicy refuse() {
    return REFUSE;
  }

  /** Accept every renegotiation the peer starts (a client's default). */
  public static RenegotiationPolicy allow() {
    return ALLOW;
  }

  /** Accept the first {@code n} renegotiations the peer starts, refuse the next. */
  public static RenegotiationPolicy allowUpTo(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("renegotiation limit must not be negative: " + n);
    }
    return n == 0 ? REFUSE : new RenegotiationPolicy(n);
  }

  /** How many renegotiations started by the peer are accepted per connection. */
  public int limit() {
    return limit;
  }

  /** Whether the peer may start renegotiation number {@code n} (1 for the first). */
  boolean allows(int n) {
    return n <= limit;
  }

  @Override
  public String toString() {
    return limit == 0 ? "refuse" : limit == Integer.MAX_VALUE ? "allow" : "allow up to " + limit;
  }
}
