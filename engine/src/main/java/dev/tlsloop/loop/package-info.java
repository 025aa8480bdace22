/**
 * A reusable event loop over {@link dev.tlsloop.TlsConnection}: {@link
 * dev.tlsloop.loop.TlsLoopGroup} runs N loops (one thread and one selector each) for server and
 * client connections, with per-connection budgets (fairness), bounded send queues (backpressure),
 * the connections' deadlines on one timer per loop, a connection cap, a handshake cap and counters.
 * Application code implements {@link dev.tlsloop.loop.TlsHandler}; it talks to its connection
 * through {@link dev.tlsloop.loop.LoopConnection}.
 *
 * <p>Nothing here is needed to use {@code TlsConnection} in a loop of your own: NOTES.md,
 * "Embedding tlsloop", shows the bare contract this package follows.
 */
package dev.tlsloop.loop;
