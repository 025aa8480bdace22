package dev.tlsloop.loop;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits of a {@link TlsLoopGroup}; every one has a stated default. The TLS deadlines
 * (handshake, idle, close) belong to each connection and are set on its {@code TlsConfig}.
 */
public final class LoopOptions {
  /** Default {@link Builder#loops}: one per available processor. */
  public static final int DEFAULT_LOOPS = Runtime.getRuntime().availableProcessors();

  /** Default {@link Builder#maxConnections}: 10,000 per loop. */
  public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

  /** Default {@link Builder#maxHandshakes}: 256 concurrent handshakes per loop. */
  public static final int DEFAULT_MAX_HANDSHAKES = 256;

  /** Default {@link Builder#budgetBytes}: 64 KiB per connection per turn, each way. */
  public static final int DEFAULT_BUDGET_BYTES = 64 * 1024;

  /** Default {@link Builder#sendQueueBytes}: 64 KiB of plaintext queued per connection. */
  public static final int DEFAULT_SEND_QUEUE_BYTES = 64 * 1024;

  /** Default {@link Builder#backlog}: 1,024 pending connections in the kernel. */
  public static final int DEFAULT_BACKLOG = 1024;

  /** Default {@link Builder#connectTimeout}: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The defaults. */
  public static final LoopOptions DEFAULTS = builder().build();

  final int loops;
  final int maxConnections;
  final int maxHandshakes;
  final int budgetBytes;
  final int sendQueueBytes;
  final int backlog;
  final Duration connectTimeout;

  private LoopOptions(Builder b) {
    this.loops = b.loops;
    this.maxConnections = b.maxConnections;
    this.maxHandshakes = b.maxHandshakes;
    this.budgetBytes = b.budgetBytes;
    this.sendQueueBytes = b.sendQueueBytes;
    this.backlog = b.backlog;
    this.connectTimeout = b.connectTimeout;
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Number of loops (threads). */
  public int loops() {
    return loops;
  }

  /** Connection cap per loop. */
  public int maxConnections() {
    return maxConnections;
  }

  /** Concurrent handshakes per loop. */
  public int maxHandshakes() {
    return maxHandshakes;
  }

  /** Plaintext bytes one connection may read, and write, in one turn of its loop. */
  public int budgetBytes() {
    return budgetBytes;
  }

  /** Plaintext bytes a connection's send queue holds at most. */
  public int sendQueueBytes() {
    return sendQueueBytes;
  }

  /** The accept backlog of a listening socket. */
  public int backlog() {
    return backlog;
  }

  /** How long an outgoing TCP connect may take. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  @Override
  public String toString() {
    return "LoopOptions[loops="
        + loops
        + " maxConnections="
        + maxConnections
        + " maxHandshakes="
        + maxHandshakes
        + " budgetBytes="
        + budgetBytes
        + " sendQueueBytes="
        + sendQueueBytes
        + " backlog="
        + backlog
        + " connectTimeout="
        + connectTimeout
        + "]";
  }

  /** Builds {@link LoopOptions}. */
  public static final class Builder {
    private int loops = DEFAULT_LOOPS;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private int maxHandshakes = DEFAULT_MAX_HANDSHAKES;
    private int budgetBytes = DEFAULT_BUDGET_BYTES;
    private int sendQueueBytes = DEFAULT_SEND_QUEUE_BYTES;
    private int backlog = DEFAULT_BACKLOG;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

    private Builder() {}

    /** Number of loops, each one thread and one selector (default {@link #DEFAULT_LOOPS}). */
    public Builder loops(int n) {
      this.loops = positive(n, "loops");
      return this;
    }

    /**
     * Connections one loop holds at most (default {@link #DEFAULT_MAX_CONNECTIONS}). At the cap a
     * new connection evicts the one that has been handshaking longest; if none is handshaking the
     * new one is closed at once. Established connections are never evicted.
     */
    public Builder maxConnections(int n) {
      this.maxConnections = positive(n, "maxConnections");
      return this;
    }

    /**
     * Handshakes one loop runs at once (default {@link #DEFAULT_MAX_HANDSHAKES}); further
     * connections wait, unread, for a slot (their handshake timeout runs meanwhile). Bounds the CPU
     * a handshake storm takes from established connections.
     */
    public Builder maxHandshakes(int n) {
      this.maxHandshakes = positive(n, "maxHandshakes");
      return this;
    }

    /**
     * Plaintext bytes one connection may read, and write, per turn of its loop before the others
     * get theirs (default {@link #DEFAULT_BUDGET_BYTES}). Left-over work resumes on the next turn
     * without waiting for the socket.
     */
    public Builder budgetBytes(int n) {
      this.budgetBytes = positive(n, "budgetBytes");
      return this;
    }

    /**
     * Plaintext bytes a connection's send queue holds (default {@link #DEFAULT_SEND_QUEUE_BYTES});
     * {@link LoopConnection#send} returns false when it is full.
     */
    public Builder sendQueueBytes(int n) {
      this.sendQueueBytes = positive(n, "sendQueueBytes");
      return this;
    }

    /** Accept backlog of listening sockets (default {@link #DEFAULT_BACKLOG}). */
    public Builder backlog(int n) {
      this.backlog = positive(n, "backlog");
      return this;
    }

    /** How long an outgoing TCP connect may take (default {@link #DEFAULT_CONNECT_TIMEOUT}). */
    public Builder connectTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive: " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /** Builds the options. */
    public LoopOptions build() {
      return new LoopOptions(this);
    }

    private static int positive(int n, String what) {
      if (n <= 0) {
        throw new IllegalArgumentException(what + " must be positive: " + n);
      }
      return n;
    }
  }
}
