/**
 * Traces: an annotated transcript of a real connection, built only from {@link
 * dev.tlsloop.TlsListener} callbacks, so an embedder gets the same view as the demo's {@code
 * --trace}.
 *
 * <p><b>Use.</b> {@code var trace = new TlsTrace("client", System.out::println);} then {@code
 * TlsConfig.client(host, port).listener(trace)}, and {@code trace.summary(connection)} once the
 * handshake finished. With no listener the connection makes no call at all.
 *
 * <p><b>Classes, one job each.</b> Only {@code TlsTrace} is public: a user of the trace needs
 * nothing else, and the decoding classes may change with the trace's format.
 *
 * <ul>
 *   <li>{@link dev.tlsloop.trace.TlsTrace}: the listener; formats one line per event and matches
 *       encrypted records to the engine calls that produced or consumed them.
 *   <li>{@code RecordDecoder}: splits one direction's byte stream into records (any chunking),
 *       tracks when that direction becomes encrypted, reassembles plaintext handshake messages.
 *   <li>{@code TlsRecord}: one decoded record, immutable.
 *   <li>{@code RecordLines}: lays out one record as trace lines.
 *   <li>{@code HandshakeMessages}: decodes the body of a plaintext handshake message.
 *   <li>{@code HandshakeFacts}: what the hellos said, shared by a trace's two decoders.
 *   <li>{@code TraceNames}: the IANA name tables.
 * </ul>
 *
 * <p><b>What can be seen on the wire.</b> Every record's 5-byte header (RFC 8446 section 5.1). In
 * TLS 1.2 the handshake is plaintext up to each side's ChangeCipherSpec (RFC 5246 section 7.1), and
 * the record right after it is that side's Finished. In TLS 1.3 only ClientHello, ServerHello (or
 * HelloRetryRequest) and the compatibility ChangeCipherSpec are plaintext; every later record,
 * alerts included, has outer type application_data (RFC 8446 section 5.2). For those the trace
 * reports what the engine's result says the record carried: plaintext moved means application data,
 * status CLOSED means close_notify, otherwise a handshake or post-handshake message.
 *
 * <p><b>Rules.</b> The decoder never throws on input: bytes that are not TLS produce one record
 * marked "not TLS" and that direction is not decoded further. The transport callbacks' buffers are
 * read by absolute index and never modified. A trace serializes its callbacks, because a delegated
 * task may finish on an executor thread.
 */
package dev.tlsloop.trace;
