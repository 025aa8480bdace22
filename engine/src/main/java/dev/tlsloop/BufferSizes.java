package dev.tlsloop;

/**
 * A byte count for each of a connection's three buffers, as {@link TlsConnection#bufferedBytes()}
 * (bytes held) and {@link TlsConnection#bufferCapacities()} (capacity, 0 when not allocated) report
 * them.
 *
 * @param netIn ciphertext read from the transport, not yet unwrapped
 * @param appIn plaintext unwrapped, not yet taken by the caller
 * @param netOut ciphertext wrapped, not yet written to the transport
 */
public record BufferSizes(int netIn, int appIn, int netOut) {
  /** The three added up. */
  public long total() {
    return (long) netIn + appIn + netOut;
  }
}
