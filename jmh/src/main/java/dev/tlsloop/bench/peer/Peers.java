package dev.tlsloop.bench.peer;

import java.util.List;
import java.util.Optional;
import org.conscrypt.Conscrypt;

/** The rows of every table, by name, in table order. */
public final class Peers {
  /** Every peer; the benchmarks' {@code peer} parameter takes these names. */
  public static final List<String> ALL =
      List.of(
          "plain",
          "ceiling",
          "tlsloop",
          "tlsloop-nb",
          "tlsloop-conscrypt",
          "sslsocket",
          "tls-channel",
          "netty-jdk",
          "netty-openssl");

  private Peers() {}

  /** A new, not yet started peer. */
  public static Peer create(String name) {
    switch (name) {
      case "plain":
        return new PlainTcpPeer();
      case "ceiling":
        return new EnginePeer();
      case "tlsloop":
        return new TlsloopPeer(false);
      case "tlsloop-nb":
        return new TlsloopNonBlockingPeer();
      case "tlsloop-conscrypt":
        return new TlsloopPeer(true);
      case "sslsocket":
        return new SslSocketPeer();
      case "tls-channel":
        return new TlsChannelPeer();
      case "netty-jdk":
        return new NettyPeer(false);
      case "netty-openssl":
        return new NettyPeer(true);
      default:
        throw new IllegalArgumentException("no peer " + name + "; peers: " + ALL);
    }
  }

  /**
   * Why {@code name} cannot run here, if it cannot: native libraries exist only for some platforms.
   * Such a row is reported as unavailable, with this reason, instead of a figure.
   */
  public static Optional<String> unavailability(String name) {
    switch (name) {
      case "netty-openssl":
        return NettyPeer.unavailability(true);
      case "tlsloop-conscrypt":
        return Conscrypt.isAvailable()
            ? Optional.empty()
            : Optional.of("Conscrypt has no native library for this platform");
      default:
        return Optional.empty();
    }
  }
}
