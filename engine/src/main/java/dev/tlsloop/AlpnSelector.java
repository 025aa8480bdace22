package dev.tlsloop;

import java.util.List;

/**
 * Chooses a server's application protocol during the handshake (RFC 7301), from what the client
 * offered and the server name it asked for.
 */
@FunctionalInterface
public interface AlpnSelector {
  /**
   * The protocol to use: one of {@code offered}; or {@code null} for none of them. What "none"
   * means is {@link TlsConfig.Builder#alpnSelector}'s {@code strict} flag: a fatal
   * no_application_protocol alert, or the handshake going on without ALPN.
   *
   * @param offered the client's protocols, in its order (never empty: without an offer the selector
   *     is not asked)
   * @param serverName the SNI host name the client sent, or null
   */
  String select(List<String> offered, String serverName);
}
