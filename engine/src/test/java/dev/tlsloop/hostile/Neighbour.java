package dev.tlsloop.hostile;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Random;

/**
 * The healthy client connected to the same server while a hostile one misbehaves: it hands off half
 * its payload before the hostile act and the rest after, and checks every echoed byte.
 */
final class Neighbour implements AutoCloseable {
  private static final int CHUNK = 16 * 1024;

  private final TlsChannel channel;
  private final byte[] payload;
  private int echoed;

  /** Connects, handshakes and echoes the first half of {@code size} random bytes. */
  Neighbour(TlsConfig clientConfig, InetSocketAddress server, int size, long seed)
      throws IOException {
    payload = new byte[size];
    new Random(seed).nextBytes(payload);
    SocketChannel ch = SocketChannel.open(server);
    channel = clientConfig.newChannel(ch);
    channel.setTimeout(Duration.ofSeconds(5));
    channel.handshake();
    echo(size / 2);
  }

  /** Echoes the rest, closes with close_notify and waits for the server's. */
  void finish() throws IOException {
    echo(payload.length);
    channel.shutdownOutput();
    ByteBuffer b = ByteBuffer.allocate(64);
    int n = channel.read(b);
    if (n != -1) {
      throw new AssertionError("neighbour: expected the server's close_notify, read " + n);
    }
  }

  private void echo(int upTo) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(CHUNK);
    while (echoed < upTo) {
      int len = Math.min(CHUNK, upTo - echoed);
      ByteBuffer out = ByteBuffer.wrap(payload, echoed, len);
      while (out.hasRemaining()) {
        channel.write(out);
      }
      int got = 0;
      while (got < len) {
        in.clear().limit(len - got);
        int n = channel.read(in);
        if (n < 0) {
          throw new AssertionError("neighbour: EOF after " + (echoed + got) + " echoed bytes");
        }
        for (int i = 0; i < n; i++) {
          if (in.get(i) != payload[echoed + got + i]) {
            throw new AssertionError("neighbour: byte " + (echoed + got + i) + " differs");
          }
        }
        got += n;
      }
      echoed += len;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
