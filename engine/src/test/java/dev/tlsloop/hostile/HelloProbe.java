package dev.tlsloop.hostile;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A JDK client engine used for two things only: its real ClientHello record (one {@code wrap}), and
 * afterwards as the decoder of what the server answered. A TLS 1.3 server encrypts everything after
 * its ServerHello, its alerts too, and only the engine that sent the ClientHello holds the keys:
 * fed the server's records in order, it throws "Received fatal alert: NAME" on the alert record.
 */
final class HelloProbe {
  private static final Pattern RECEIVED = Pattern.compile("Received fatal alert: (\\S+)");

  private final SSLEngine engine;
  private final byte[] hello;

  /** {@code protocol}: "TLSv1.3" (the JDK default offer, 1.3 and 1.2) or "TLSv1.2" (1.2 only). */
  HelloProbe(SSLContext clientContext, String protocol) throws SSLException {
    this(clientContext, protocol, 0);
  }

  /**
   * With {@code alpnBytes} &gt; 0 the ClientHello offers that many bytes of made-up ALPN names, so
   * that it is larger than one record and the engine itself splits it.
   */
  HelloProbe(SSLContext clientContext, String protocol, int alpnBytes) throws SSLException {
    engine = clientContext.createSSLEngine("localhost", 443);
    engine.setUseClientMode(true);
    SSLParameters params = engine.getSSLParameters();
    params.setProtocols(
        protocol.equals("TLSv1.3")
            ? new String[] {"TLSv1.3", "TLSv1.2"}
            : new String[] {"TLSv1.2"});
    if (alpnBytes > 0) {
      List<String> names = new ArrayList<>();
      for (int i = 0; names.size() * 201 < alpnBytes; i++) {
        names.add(String.format("p%03d-", i) + "x".repeat(195));
      }
      params.setApplicationProtocols(names.toArray(new String[0]));
    }
    engine.setSSLParameters(params);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    engine.beginHandshake();
    while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
      ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
      SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), out);
      if (r.bytesProduced() == 0) {
        break;
      }
      wire.write(out.array(), 0, out.position());
    }
    hello = wire.toByteArray();
    for (Wire.Rec r : Wire.records(hello)) {
      if (r.type() != Wire.HANDSHAKE) {
        throw new IllegalStateException("expected handshake records, got " + r);
      }
    }
  }

  /** The ClientHello record, header included. */
  byte[] clientHello() {
    return hello.clone();
  }

  /** The ClientHello's handshake message: the records' fragments, joined. */
  byte[] clientHelloMessage() {
    ByteArrayOutputStream m = new ByteArrayOutputStream();
    for (Wire.Rec r : Wire.records(hello)) {
      m.writeBytes(r.fragment());
    }
    return m.toByteArray();
  }

  /** The ClientHello's records as the engine made them. */
  int clientHelloRecords() {
    return Wire.records(hello).size();
  }

  /** What the probe made of the server's records: the fatal alert's name, and which record. */
  record Verdict(String alert, int index, String note) {
    @Override
    public String toString() {
      return alert != null ? alert + " (record #" + index + ")" : "no alert: " + note;
    }
  }

  /**
   * Feeds the server's records to the engine in order and returns the fatal alert it reports, with
   * the index of the record that carried it; or no alert, with a note saying why. Whatever the
   * engine wants to send in between is wrapped and dropped.
   */
  Verdict alertIn(List<Wire.Rec> records) {
    ByteBuffer scratch = ByteBuffer.allocate(1 << 17);
    ByteBuffer app = ByteBuffer.allocate(1 << 17);
    int index = 0;
    try {
      for (; index < records.size(); index++) {
        ByteBuffer src = ByteBuffer.wrap(records.get(index).bytes());
        int guard = 0;
        while (src.hasRemaining()) {
          if (++guard > 64) {
            return new Verdict(null, index, "the probe stopped at " + engine.getHandshakeStatus());
          }
          HandshakeStatus hs = engine.getHandshakeStatus();
          if (hs == HandshakeStatus.NEED_TASK) {
            Runnable t;
            while ((t = engine.getDelegatedTask()) != null) {
              t.run();
            }
            continue;
          }
          if (hs == HandshakeStatus.NEED_WRAP) {
            scratch.clear();
            engine.wrap(ByteBuffer.allocate(0), scratch);
            continue;
          }
          app.clear();
          SSLEngineResult r = engine.unwrap(src, app);
          if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            return new Verdict(null, index, "closed (" + r.getHandshakeStatus() + ")");
          }
        }
      }
      return new Verdict(null, index, records.size() + " records decoded without one");
    } catch (SSLException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        Matcher m = RECEIVED.matcher(String.valueOf(c.getMessage()));
        if (m.find()) {
          return new Verdict(m.group(1), index, null);
        }
      }
      return new Verdict(null, index, "the probe engine failed on record #" + index + ": " + e);
    }
  }

  /**
   * Goes on from the ClientHello the test sent (in whatever records it chose) as a plain blocking
   * client on {@code socket}: finishes the handshake, sends {@code message}, and returns the echo
   * of its length. The server cannot tell this client from any other.
   */
  byte[] handshakeAndEcho(Socket socket, byte[] message) throws IOException {
    socket.setSoTimeout(Hostile.READ_TIMEOUT_MS);
    InputStream in = socket.getInputStream();
    OutputStream out = socket.getOutputStream();
    ByteBuffer netIn = ByteBuffer.allocate(1 << 17).flip();
    ByteBuffer netOut = ByteBuffer.allocate(1 << 17);
    ByteBuffer app = ByteBuffer.allocate(1 << 17);
    ByteBuffer toSend = ByteBuffer.wrap(message);
    ByteArrayOutputStream echo = new ByteArrayOutputStream();
    for (int steps = 0; echo.size() < message.length; steps++) {
      if (steps > 10_000) {
        throw new AssertionError("probe: no progress, " + engine.getHandshakeStatus());
      }
      HandshakeStatus hs = engine.getHandshakeStatus();
      if (hs == HandshakeStatus.NEED_TASK) {
        Runnable t;
        while ((t = engine.getDelegatedTask()) != null) {
          t.run();
        }
        continue;
      }
      boolean handshaking = hs != HandshakeStatus.NOT_HANDSHAKING && hs != HandshakeStatus.FINISHED;
      if (hs == HandshakeStatus.NEED_WRAP || (!handshaking && toSend.hasRemaining())) {
        netOut.clear();
        engine.wrap(hs == HandshakeStatus.NEED_WRAP ? ByteBuffer.allocate(0) : toSend, netOut);
        out.write(netOut.array(), 0, netOut.position());
        continue;
      }
      app.clear();
      SSLEngineResult r = engine.unwrap(netIn, app);
      if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
        netIn.compact();
        int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
        if (n < 0) {
          throw new EOFException("probe: server closed after " + echo.size() + " echoed bytes");
        }
        netIn.position(netIn.position() + n).flip();
        continue;
      }
      if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
        throw new EOFException("probe: server sent close_notify");
      }
      echo.write(app.array(), 0, app.position());
    }
    return echo.toByteArray();
  }
}
