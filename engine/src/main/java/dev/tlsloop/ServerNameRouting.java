package dev.tlsloop;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLEngine;

/**
 * The engine factory behind {@link TlsConfig.Builder#serverName}: the server name a ClientHello
 * asked for (sniffed before any engine exists) picks the factory, else the default one. An exact
 * name wins over a wildcard; a wildcard {@code *.example.com} stands for exactly one label, as in
 * certificate matching (RFC 6125 section 6.4.3): {@code a.example.com}, not {@code example.com} nor
 * {@code a.b.example.com}. Names compare case-insensitively (RFC 4343).
 */
final class ServerNameRouting implements TlsEngineFactory {
  private final Map<String, TlsEngineFactory> exact;
  private final Map<String, TlsEngineFactory> wildcards; // keyed by the suffix after "*."
  private final TlsEngineFactory fallback;

  ServerNameRouting(Map<String, TlsEngineFactory> routes, TlsEngineFactory fallback) {
    this.fallback = Objects.requireNonNull(fallback, "fallback");
    this.exact = new LinkedHashMap<>();
    this.wildcards = new LinkedHashMap<>();
    routes.forEach(
        (name, f) -> {
          if (name.startsWith("*.")) {
            wildcards.put(name.substring(2), f);
          } else {
            exact.put(name, f);
          }
        });
  }

  /**
   * A route's name in the form it is looked up in: lower case, {@code *} only as the whole first
   * label. Throws {@link IllegalArgumentException} for anything else.
   */
  static String normalize(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    String rest = n.startsWith("*.") ? n.substring(2) : n;
    if (rest.isEmpty()
        || rest.contains("*")
        || rest.startsWith(".")
        || rest.endsWith(".")
        || rest.contains("..")
        || !rest.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(
          "server name "
              + name
              + " is not a host name nor *.name (the wildcard only as the whole first label)");
    }
    return n;
  }

  /** The factory for {@code serverName}, or null if no route names it. */
  TlsEngineFactory route(String serverName) {
    if (serverName == null) {
      return null;
    }
    TlsEngineFactory f = exact.get(serverName);
    int dot = serverName.indexOf('.');
    if (f == null && dot > 0) {
      f = wildcards.get(serverName.substring(dot + 1));
    }
    return f;
  }

  /** An engine from the route for {@code serverName}, else from the default factory. */
  @Override
  public SSLEngine create(String peerHost, int peerPort, String serverName) {
    TlsEngineFactory f = route(serverName);
    return (f != null ? f : fallback).create(peerHost, peerPort, serverName);
  }
}
