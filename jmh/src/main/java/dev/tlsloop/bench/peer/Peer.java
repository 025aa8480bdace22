package dev.tlsloop.bench.peer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One implementation under test, both ends of it: a server it starts on loopback (one thread, or
 * one event loop) and clients that connect to it. Every benchmark drives every peer through this
 * interface only, so every row of a table runs the same workload.
 */
public interface Peer extends Closeable {
  /** What the server does with the bytes it receives. */
  enum ServerMode {
    /** Reads and drops everything: bulk transfer. */
    SINK,
    /** Writes back everything it reads: handshakes (one 64-byte echo) and latency. */
    ECHO
  }

  /** The row name in the table, e.g. {@code tlsloop}. */
  String name();

  /** Starts the server; connections accepted afterwards do {@code mode}. */
  void start(Fixture fixture, ServerMode mode) throws Exception;

  /** A new client connection, TCP connected and TLS handshake done. */
  Connection connect() throws IOException;

  /**
   * Allocates a payload buffer the way this peer is fastest with (heap by default; Conscrypt's
   * engine copies heap buffers into native memory, so that peer asks for direct ones).
   */
  default ByteBuffer allocate(int capacity) {
    return ByteBuffer.allocate(capacity);
  }

  /** Stops the server and releases its thread. */
  @Override
  void close() throws IOException;

  /** One client connection. Not thread-safe: the benchmark thread alone uses it. */
  interface Connection extends Closeable {
    /** Sends all of {@code src}, blocking as needed. */
    void write(ByteBuffer src) throws IOException;

    /** Sends all of {@code srcs} in as few calls as the implementation allows (gathering). */
    void write(ByteBuffer[] srcs) throws IOException;

    /** Sends all of {@code out}, then reads until {@code in} is full (the server echoes). */
    void echo(ByteBuffer out, ByteBuffer in) throws IOException;

    /**
     * Forgets this connection's session so the next connection cannot resume it (the full handshake
     * benchmark calls it; whether it worked shows in the full-handshake count).
     */
    void forgetSession();

    /** What was negotiated: protocol, suite, group; "plain TCP" without TLS. */
    String negotiated();
  }
}
