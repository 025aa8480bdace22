package dev.tlsloop.bench.peer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;

/** A client over any blocking {@link ByteChannel}: plain TCP, tlsloop's TlsChannel, tls-channel. */
abstract class ChannelConnection implements Peer.Connection {
  private final ByteChannel channel;

  ChannelConnection(ByteChannel channel) {
    this.channel = channel;
  }

  @Override
  public void write(ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      channel.write(src);
    }
  }

  @Override
  public void write(ByteBuffer[] srcs) throws IOException {
    if (!(channel instanceof GatheringByteChannel)) {
      for (ByteBuffer b : srcs) {
        write(b);
      }
      return;
    }
    GatheringByteChannel g = (GatheringByteChannel) channel;
    ByteBuffer last = srcs[srcs.length - 1];
    int first = 0;
    while (last.hasRemaining()) {
      g.write(srcs, first, srcs.length - first);
      while (first < srcs.length - 1 && !srcs[first].hasRemaining()) {
        first++;
      }
    }
  }

  @Override
  public void echo(ByteBuffer out, ByteBuffer in) throws IOException {
    write(out);
    while (in.hasRemaining()) {
      if (channel.read(in) < 0) {
        throw new EOFException("server closed before echoing " + in.remaining() + " bytes");
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
