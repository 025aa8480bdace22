package dev.tlsloop.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** Real ClientHellos from JDK client engines, and ways to reshape them for the sniffer's tests. */
public final class Hellos {
  private Hellos() {}

  /** The first flight of a JDK client: the ClientHello in its record(s). */
  public static byte[] jdk(String protocol, String serverName, boolean allSuites, String... alpn)
      throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, null, null);
    SSLEngine e = ctx.createSSLEngine("peer", 443);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    p.setProtocols(new String[] {protocol});
    List<SNIServerName> names = new ArrayList<>();
    if (serverName != null) {
      names.add(new SNIHostName(serverName));
    }
    p.setServerNames(names);
    if (allSuites) {
      p.setCipherSuites(e.getSupportedCipherSuites());
    }
    if (alpn.length > 0) {
      p.setApplicationProtocols(alpn);
    }
    e.setSSLParameters(p);
    return firstFlight(e);
  }

  /** What a fresh client engine's first wrap produces: its ClientHello record(s). */
  public static byte[] firstFlight(SSLEngine e) throws Exception {
    ByteBuffer out = ByteBuffer.allocate(e.getSession().getPacketBufferSize());
    e.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] b = new byte[out.remaining()];
    out.get(b);
    return b;
  }

  /** The handshake bytes of {@code records}, their headers removed. */
  public static byte[] handshake(byte[] records) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int p = 0; p < records.length; ) {
      int len = RecordHeader.length(records, p);
      out.write(records, p + RecordHeader.HEADER, len);
      p += RecordHeader.HEADER + len;
    }
    return out.toByteArray();
  }

  /** {@code handshake} in handshake records of 1 to {@code maxFragment} bytes each. */
  public static byte[] reframe(byte[] handshake, int maxFragment, Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int p = 0; p < handshake.length; ) {
      int n = Math.min(handshake.length - p, 1 + random.nextInt(maxFragment));
      out.write(RecordHeader.HANDSHAKE);
      out.write(3);
      out.write(3);
      out.write(n >> 8);
      out.write(n);
      out.write(handshake, p, n);
      p += n;
    }
    return out.toByteArray();
  }

  /**
   * {@code handshake} (one ClientHello) with a padding extension (21, RFC 7685) of {@code n} zero
   * bytes appended to its extensions, the lengths fixed up.
   */
  public static byte[] withPadding(byte[] handshake, int n) {
    int p = 4 + 2 + 32;
    p += 1 + (handshake[p] & 0xff);
    p += 2 + u16(handshake, p);
    p += 1 + (handshake[p] & 0xff);
    int extLengthAt = p;
    ByteBuffer b = ByteBuffer.allocate(handshake.length + 4 + n);
    b.put(handshake).putShort((short) 21).putShort((short) n).put(new byte[n]);
    byte[] out = b.array();
    int body = out.length - 4;
    out[1] = (byte) (body >> 16);
    out[2] = (byte) (body >> 8);
    out[3] = (byte) body;
    int ext = u16(handshake, extLengthAt) + 4 + n;
    out[extLengthAt] = (byte) (ext >> 8);
    out[extLengthAt + 1] = (byte) ext;
    return out;
  }

  static int u16(byte[] b, int p) {
    return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
  }
}
