package dev.tlsloop.loop;

/**
 * Counters of one loop, or of a whole group (summed), taken at one moment on the loop's thread.
 *
 * @param connections open connections (handshaking, open or closing)
 * @param registeredKeys keys registered with the selector (connections plus the listener, if any)
 * @param handshaking connections whose handshake has not finished, waiting ones included
 * @param handshakesDone handshakes finished since start
 * @param handshakesFailed connections that ended before their handshake finished
 * @param timeouts connections ended by a deadline (connect, handshake, idle, close)
 * @param evictions handshaking connections dropped at the connection cap
 * @param refused connections closed at once at the cap (none was handshaking)
 * @param acceptErrors failed {@code accept()} calls (e.g. too many open files)
 * @param handlerErrors handler callbacks that threw
 * @param bytesIn plaintext bytes handed to handlers
 * @param bytesOut plaintext bytes taken from send queues by the engine
 * @param bufferBytesHeld capacity of every buffer the connections hold now: TLS buffers, send
 *     queues and kept unread plaintext
 * @param budgetExhausted times a connection used its whole budget in one turn while it had more
 * @param maxServedInOneTurn the most plaintext bytes one connection read in one turn
 */
public record LoopStats(
    int connections,
    int registeredKeys,
    int handshaking,
    long handshakesDone,
    long handshakesFailed,
    long timeouts,
    long evictions,
    long refused,
    long acceptErrors,
    long handlerErrors,
    long bytesIn,
    long bytesOut,
    long bufferBytesHeld,
    long budgetExhausted,
    long maxServedInOneTurn) {

  /** The sum of two loops' counters (the maximum for {@code maxServedInOneTurn}). */
  LoopStats plus(LoopStats o) {
    return new LoopStats(
        connections + o.connections,
        registeredKeys + o.registeredKeys,
        handshaking + o.handshaking,
        handshakesDone + o.handshakesDone,
        handshakesFailed + o.handshakesFailed,
        timeouts + o.timeouts,
        evictions + o.evictions,
        refused + o.refused,
        acceptErrors + o.acceptErrors,
        handlerErrors + o.handlerErrors,
        bytesIn + o.bytesIn,
        bytesOut + o.bytesOut,
        bufferBytesHeld + o.bufferBytesHeld,
        budgetExhausted + o.budgetExhausted,
        Math.max(maxServedInOneTurn, o.maxServedInOneTurn));
  }
}
