package dev.tlsloop.loop;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A loop client that sends {@code total} payload bytes (pausing while its send queue is full),
 * checks every echoed byte, and closes once all came back. {@link #done} completes with the close
 * cause, or exceptionally on a wrong byte.
 */
final class EchoClient implements TlsHandler {
  final CompletableFuture<CloseCause> done = new CompletableFuture<>();
  private final long total;
  private long sent;
  private long received;
  volatile long handshakeNanos;
  private final long started = System.nanoTime();
  private final ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);

  EchoClient(long total) {
    this.total = total;
  }

  @Override
  public void onHandshake(LoopConnection conn) {
    handshakeNanos = System.nanoTime() - started;
    pump(conn);
  }

  @Override
  public void onWritable(LoopConnection conn) {
    pump(conn);
  }

  private void pump(LoopConnection conn) {
    while (sent < total) {
      if (!chunk.hasRemaining() || chunk.position() == 0) {
        chunk.clear();
        int n = (int) Math.min(chunk.capacity(), total - sent);
        for (int i = 0; i < n; i++) {
          chunk.put(LoopFixture.payloadAt(sent + i));
        }
        chunk.flip();
      }
      int before = chunk.remaining();
      boolean all = conn.send(chunk);
      sent += before - chunk.remaining();
      if (!all) {
        return; // onWritable resumes
      }
      chunk.clear().position(0).limit(0);
    }
  }

  @Override
  public void onData(LoopConnection conn, ByteBuffer data) {
    while (data.hasRemaining()) {
      byte b = data.get();
      if (b != LoopFixture.payloadAt(received)) {
        done.completeExceptionally(new AssertionError("wrong byte at offset " + received));
        conn.abort();
        return;
      }
      received++;
    }
    if (received == total) {
      conn.close();
    }
  }

  @Override
  public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
    if (received != total) {
      done.completeExceptionally(
          new AssertionError(
              "closed by " + cause + " after " + received + " of " + total + " bytes", error));
    } else {
      done.complete(cause);
    }
  }
}
