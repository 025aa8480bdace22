package dev.tlsloop.loop;

import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Handlers that echo and report each connection's end to one queue. */
final class Ended {
  /** One connection's end, as its handler heard it. */
  record End(CloseCause cause, Throwable error, long atNanos) {}

  final BlockingQueue<End> ends = new LinkedBlockingQueue<>();

  /** Echo handlers; {@code closeAfterHandshake} makes the server close at once. */
  Supplier<TlsHandler> echo(boolean closeAfterHandshake) {
    return () ->
        new TlsHandler() {
          @Override
          public void onHandshake(LoopConnection conn) {
            if (closeAfterHandshake) {
              conn.close();
            }
          }

          @Override
          public void onData(LoopConnection conn, ByteBuffer data) {
            conn.send(data);
          }

          @Override
          public void onClosed(LoopConnection conn, CloseCause cause, Throwable error) {
            ends.add(new End(cause, error, System.nanoTime()));
          }
        };
  }

  End next() throws InterruptedException {
    End e = ends.poll(30, TimeUnit.SECONDS);
    if (e == null) {
      throw new AssertionError("no connection ended within 30 s");
    }
    return e;
  }
}
