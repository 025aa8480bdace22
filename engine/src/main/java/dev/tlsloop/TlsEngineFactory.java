package dev.tlsloop;

import javax.net.ssl.SSLEngine;

/**
 * Where a {@link TlsConfig} gets its engines: any {@link SSLEngine}, for instance BoringSSL's
 * through Conscrypt ({@code SSLContext.getInstance("TLS", Conscrypt.newProvider())}) or
 * netty-tcnative. The config still applies its own settings to every engine it gets (client or
 * server mode, protocols, cipher suites, ALPN, host-name verification, SNI, client authentication),
 * so the secure defaults hold whatever the engine.
 */
@FunctionalInterface
public interface TlsEngineFactory {
  /**
   * A new engine for one connection.
   *
   * @param peerHost the host a client connects to (the session-cache key with {@code peerPort});
   *     null on a server
   * @param peerPort the port a client connects to; -1 on a server, or on a client whose session
   *     resumption is off (no cache entry is found or stored under -1)
   * @param serverName the server name the connection is for (a client's SNI; null on a server,
   *     where the name is only known from the peer's ClientHello)
   */
  SSLEngine create(String peerHost, int peerPort, String serverName);
}
