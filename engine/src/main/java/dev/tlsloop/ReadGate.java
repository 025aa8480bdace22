package dev.tlsloop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The transport's read side as a {@link TlsChannel}'s connection sees it: {@link TlsChannel} can
 * close it for one engine call, so that a read which would find the socket empty waits in the
 * selector first instead of paying a read syscall that returns nothing.
 *
 * <p>Why: a non-blocking reader that reads first and waits after pays, per wait, a read that comes
 * back empty, then {@code epoll_wait}, then the read that gets the bytes. In a request-response
 * exchange every read waits, so that first read is pure cost (64-byte ping-pong on loopback TCP: 7
 * % of the CPU per round trip, {@code WaitStyleBench} in NOTES.md section 7). The last real read
 * predicts the next: if it took less than it was offered, the socket was drained then, and the next
 * read most likely needs a wait. A wrong guess costs one {@code epoll_wait} that returns at once;
 * it can never hang, because a skipped read is reported as "no bytes yet" and the caller then waits
 * for readability, which the kernel reports at once if bytes (or the end of the stream) are there.
 *
 * <p>Used under the channel's engine lock only, like the connection itself.
 */
final class ReadGate implements ReadableByteChannel {
  private final ReadableByteChannel transport;

  /** The next read returns 0 without asking the transport. */
  private boolean skipNext;

  /** The last read that reached the transport took less than it was offered. */
  private boolean drained;

  /** Reads answered without the transport, and transport reads that found nothing (for tests). */
  private long skipped;

  private long emptyReads;

  ReadGate(ReadableByteChannel transport) {
    this.transport = transport;
  }

  /** Closes the gate for the next read if the last one drained the socket. */
  void skipNextIfDrained() {
    skipNext = drained;
  }

  /** Opens the gate again (after the engine call it was closed for, whether or not it read). */
  void open() {
    skipNext = false;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (skipNext) {
      skipNext = false;
      skipped++;
      return 0;
    }
    int offered = dst.remaining();
    int n = transport.read(dst);
    drained = n >= 0 && n < offered;
    if (n == 0) {
      emptyReads++;
    }
    return n;
  }

  long skipped() {
    return skipped;
  }

  long emptyReads() {
    return emptyReads;
  }

  @Override
  public boolean isOpen() {
    return transport.isOpen();
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }
}
