package dev.tlsloop;

/**
 * Where a connection is in its life: the public {@link TlsState} and three small machines beside it
 * for what that state does not show but the connection must remember. Immutable: {@code
 * TlsConnection.moveTo} is the one place that replaces it, and it rejects a move that the table of
 * {@link TlsState} or of a part does not list. A new value is made only on a transition, a few per
 * connection, never per read or write.
 *
 * <p>Each part's table is in its Javadoc, and {@code StateDiagramTest} checks it against the part's
 * {@code canMoveTo}.
 *
 * @param state what the caller sees ({@link TlsConnection#state()})
 * @param handshake whether the first handshake finished, and whether a TLS 1.2 renegotiation runs
 * @param output what the caller did to the sending direction
 * @param input what the caller did to, and was told of, the receiving direction
 */
record Lifecycle(TlsState state, Handshake handshake, Output output, Input input) {
  /** A new connection. */
  static final Lifecycle START =
      new Lifecycle(TlsState.NEW, Handshake.INITIAL, Output.OPEN, Input.OPEN);

  /**
   * The handshakes of a connection. Only TLS 1.2 renegotiates (TLS 1.3 dropped renegotiation, RFC
   * 8446 section 1.2); a TLS 1.3 KeyUpdate or NewSessionTicket is not a handshake here, although
   * the engine asks to wrap its answer.
   *
   * <pre>
   * INITIAL ──first handshake finished (state OPEN)─────────> DONE
   * DONE ──a TLS 1.2 renegotiation starts (either side)─────> RENEGOTIATING
   * RENEGOTIATING ──the engine says NOT_HANDSHAKING again───> DONE
   * </pre>
   */
  enum Handshake {
    /** The first handshake has not finished: no negotiated facts yet. */
    INITIAL,
    /** The first handshake finished; the session's facts can be read. */
    DONE,
    /** A TLS 1.2 renegotiation runs (RFC 5246 section 7.4.1); one the peer starts counts once. */
    RENEGOTIATING;

    boolean canMoveTo(Handshake next) {
      return this == INITIAL ? next == DONE : this != next && next != INITIAL;
    }

    /** Whether the first handshake finished. */
    boolean established() {
      return this != INITIAL;
    }
  }

  /**
   * What the caller did to the sending direction. Whether our close_notify is wrapped is the
   * engine's to say ({@code isOutboundDone()}); this part remembers what the engine cannot: that it
   * was asked to close.
   *
   * <pre>
   * OPEN ──shutdownOutput()─────> SHUT_DOWN
   * OPEN ──close()──────────────> CLOSED_BY_CALLER
   * SHUT_DOWN ──close()─────────> CLOSED_BY_CALLER
   * </pre>
   */
  enum Output {
    /** Writes are allowed (while the engine's outbound is open). */
    OPEN,
    /** shutdownOutput() was called: a write is misuse ({@link IllegalStateException}). */
    SHUT_DOWN,
    /** close() was called: a write throws {@link java.nio.channels.ClosedChannelException}. */
    CLOSED_BY_CALLER;

    boolean canMoveTo(Output next) {
      return next.ordinal() > ordinal();
    }
  }

  /**
   * The receiving direction as the caller met it. Whether the peer's close_notify arrived is the
   * engine's to say ({@code isInboundDone()}); this part remembers whether the caller was told.
   *
   * <pre>
   * OPEN ──read() returned -1 after the peer's close_notify─> END_OF_STREAM_RETURNED
   * OPEN ──close() before the peer's close_notify───────────> CLOSED_BY_CALLER
   * </pre>
   */
  enum Input {
    /** Reads are allowed. */
    OPEN,
    /** read() returned -1: the end of the stream is no longer "buffered". */
    END_OF_STREAM_RETURNED,
    /** close() was called before the stream ended: a read throws ClosedChannelException. */
    CLOSED_BY_CALLER;

    boolean canMoveTo(Input next) {
      return this == OPEN && next != OPEN;
    }
  }

  Lifecycle with(TlsState next) {
    return new Lifecycle(next, handshake, output, input);
  }

  Lifecycle with(Handshake next) {
    return new Lifecycle(state, next, output, input);
  }

  Lifecycle with(Output next) {
    return new Lifecycle(state, handshake, next, input);
  }

  Lifecycle with(Input next) {
    return new Lifecycle(state, handshake, output, next);
  }

  /** Whether {@code this -> next} changes each part along its table, or leaves it as it is. */
  boolean canMoveTo(Lifecycle next) {
    return (next.state == state || state.canMoveTo(next.state))
        && (next.handshake == handshake || handshake.canMoveTo(next.handshake))
        && (next.output == output || output.canMoveTo(next.output))
        && (next.input == input || input.canMoveTo(next.input));
  }
}
