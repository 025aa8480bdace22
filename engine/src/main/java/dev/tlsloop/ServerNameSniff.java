package dev.tlsloop;

import dev.tlsloop.internal.ClientHelloSniffer;
import dev.tlsloop.internal.HelloRejected;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;

/**
 * A routing server's first phase: no engine yet, the bytes read wait in netIn while the ClientHello
 * is sniffed for its server name, then the engine is made for that name and reads them all (the
 * same path as bytes read before the connection existed). During this phase nothing consumes netIn,
 * so the bytes already fed are always its first {@link #fed} pending bytes.
 */
final class ServerNameSniff {
  private final TlsConfig config;
  private final ClientHelloSniffer sniffer = new ClientHelloSniffer();
  private int fed;

  ServerNameSniff(TlsConfig config) {
    this.config = config;
  }

  /**
   * Feeds netIn's pending bytes not fed yet ({@code netIn} in read mode). Returns the engine once
   * the ClientHello is complete, else null (read more). Throws the rejection whose alert the
   * connection sends.
   */
  SSLEngine feed(ByteBuffer netIn) throws HelloRejected {
    int from = netIn.position() + fed;
    int n = netIn.limit() - from;
    fed += n;
    if (!sniffer.feed(netIn, from, n)) {
      return null;
    }
    return config.createServerEngine(sniffer.serverName());
  }

  /** Bytes netIn must be able to hold: all that may carry the ClientHello, and one byte more. */
  static int maxBuffered() {
    return ClientHelloSniffer.MAX_WIRE_BYTES + 1;
  }

  /** The name the ClientHello asked for, lower case; null if none, or not read yet. */
  String serverName() {
    return sniffer.serverName();
  }
}
