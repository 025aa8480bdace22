package dev.tlsloop.example;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.TlsNeed;
import dev.tlsloop.TlsState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The bare embedding contract: one {@link TlsConnection} in a hand-written {@link Selector} loop,
 * without any loop package. It echoes every byte until the peer's close_notify, then sends its own.
 * NOTES.md "Embedding tlsloop" explains it line by line; {@code SelectorEchoTest} runs it.
 */
public final class SelectorEcho {
  private SelectorEcho() {}

  /** Accepts one client, echoes it on this thread and returns the connection's final state. */
  public static TlsState serveOne(ServerSocketChannel listener, TlsConfig config)
      throws IOException {
    try (Selector selector = Selector.open();
        SocketChannel ch = listener.accept()) {
      ch.configureBlocking(false);
      TlsConnection tls = config.newConnection(ch);
      tls.setTaskCompletionCallback(selector::wakeup); // executor thread: only wake the loop
      SelectionKey key = ch.register(selector, 0);
      ByteBuffer echo = ByteBuffer.allocate(4096).flip(); // read, not yet echoed
      boolean eof = false;
      while (true) {
        if (echo.hasRemaining()) {
          tls.write(echo); // may take part of it; any call also drives the handshake
        }
        while (!eof && !echo.hasRemaining()) { // read until 0 or -1, pausing while echo waits
          int n = tls.read(echo.clear());
          echo.flip();
          eof = n < 0; // -1 only after the peer's close_notify
          if (n <= 0) {
            break;
          }
          tls.write(echo);
        }
        if (eof && !echo.hasRemaining() && tls.shutdownOutput() == TlsNeed.NOTHING) {
          tls.close(); // our close_notify is on the wire
          return tls.state();
        }
        int ops =
            switch (tls.need()) {
              case READ, NOTHING -> eof ? 0 : SelectionKey.OP_READ;
              case WRITE -> SelectionKey.OP_WRITE;
              case TASK -> 0; // the task-completion callback wakes select()
            };
        if (tls.hasPendingOutput()) {
          ops |= SelectionKey.OP_WRITE; // a read may queue a KeyUpdate reply
        }
        key.interestOps(ops);
        // Read until 0 left nothing the selector cannot see, so select() strands no input.
        assert !tls.hasBuffered() || echo.hasRemaining() || tls.need() == TlsNeed.TASK : tls;
        selector.select();
        selector.selectedKeys().clear();
      }
    }
  }
}
