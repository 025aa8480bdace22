package dev.tlsloop.demo;

import dev.tlsloop.TlsConnection;
import dev.tlsloop.loop.LoopConnection;
import dev.tlsloop.loop.TlsHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Just enough HTTP/1.1 for curl and browsers: GET and HEAD of any path return a small page about
 * the TLS connection. Each response, header and body, is ONE {@code send} (so one TLS record when
 * the send queue has room for it). HTTP/1.1 connections stay open (keep-alive) unless the request
 * says {@code Connection: close}; HTTP/1.0 connections close after the response, with close_notify
 * first.
 *
 * <p>Backpressure: when the send queue does not take a whole response, the handler stops taking
 * requests (they stay in the loop's buffer and the loop stops reading the client) until {@link
 * #onWritable} has sent the rest. A client that pipelines requests but never reads its responses so
 * holds one send queue's worth of memory, not more.
 */
final class HttpHandler implements TlsHandler {
  /** What the handler needs of its connection: the loop's connection, or a recorder in tests. */
  interface Replies {
    /** Queues what fits of {@code response}, moving its position; false if some did not fit. */
    boolean send(ByteBuffer response);

    /** Closes gracefully once what is queued has gone out: close_notify, then TCP. */
    void close();

    /** The TLS connection (for its session: protocol, suite, ALPN). */
    TlsConnection connection();
  }

  /** Request heads, cut from the stream in one pass over its bytes. */
  private final RequestHeadReader heads = new RequestHeadReader();

  /** Body bytes of the current request still to skip. */
  private long bodyLeft;

  private int requests;

  /** The part of the last response the send queue did not take yet; null when none. */
  private ByteBuffer unsent;

  /** The connection closes once {@link #unsent} is out; nothing more is read. */
  private boolean closing;

  /** close() was called. */
  private boolean closed;

  private Replies replies;

  @Override
  public void onData(LoopConnection conn, ByteBuffer data) {
    received(data, replies(conn));
  }

  @Override
  public void onWritable(LoopConnection conn) {
    writable(replies(conn));
  }

  private Replies replies(LoopConnection conn) {
    if (replies == null) {
      replies =
          new Replies() {
            @Override
            public boolean send(ByteBuffer response) {
              return conn.send(response);
            }

            @Override
            public void close() {
              conn.close();
            }

            @Override
            public TlsConnection connection() {
              return conn.tls();
            }
          };
    }
    return replies;
  }

  /**
   * Answers every whole request in {@code data}, in order (pipelined requests in one read get one
   * response each); a partial head is kept for the next call. Stops, leaving the rest in {@code
   * data}, while a response waits for room in the send queue; once closing, what follows is dropped
   * unread.
   */
  void received(ByteBuffer data, Replies session) {
    while (data.hasRemaining()) {
      if (closing) {
        data.position(data.limit()); // the answer said "Connection: close": not read
        return;
      }
      if (unsent != null) {
        return; // backpressure: the loop keeps the rest and offers it after onWritable
      }
      if (bodyLeft > 0) {
        int skip = (int) Math.min(bodyLeft, data.remaining());
        data.position(data.position() + skip);
        bodyLeft -= skip;
        continue;
      }
      List<String> head;
      try {
        head = heads.next(data);
      } catch (RequestHeadReader.TooLargeException e) {
        send(session, 431, "Request Header Fields Too Large", "request head too large\n", true);
        continue;
      }
      if (head == null) {
        return; // the rest of the head comes with a later read
      }
      respond(head, session);
    }
  }

  /** The send queue has room again: the rest of the response, then the close if one is due. */
  void writable(Replies session) {
    flush(session);
  }

  /** Sends what is left of the response; closes after it if due. Returns whether all went. */
  private boolean flush(Replies session) {
    if (unsent != null) {
      if (!session.send(unsent)) {
        return false;
      }
      unsent = null;
    }
    if (closing && !closed) {
      closed = true;
      session.close();
    }
    return true;
  }

  /** Answers one request (and marks the connection closing when it closes after it). */
  private void respond(List<String> lines, Replies session) {
    String[] first = lines.get(0).split(" ");
    if (first.length != 3 || !first[2].startsWith("HTTP/1.")) {
      send(session, 400, "Bad Request", "bad request line\n", true);
      return;
    }
    String method = first[0];
    String path = first[1];
    boolean http10 = first[2].equals("HTTP/1.0");
    boolean close = http10;
    String userAgent = "-";
    for (String line : lines.subList(1, lines.size())) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("connection") && value.equalsIgnoreCase("close")) {
        close = true;
      } else if (name.equals("content-length")) {
        try {
          bodyLeft = Long.parseLong(value);
        } catch (NumberFormatException e) {
          close = true;
        }
      } else if (name.equals("user-agent")) {
        userAgent = value;
      }
    }
    requests++;
    if (method.equals("GET") || method.equals("HEAD")) {
      String body = page(session, path, userAgent, http10 ? "HTTP/1.0" : "HTTP/1.1");
      send(
          session,
          200,
          "OK",
          method.equals("HEAD") ? null : body,
          close,
          body.getBytes(StandardCharsets.UTF_8).length);
    } else {
      send(session, 405, "Method Not Allowed", "only GET and HEAD\n", close);
    }
  }

  private String page(Replies session, String path, String userAgent, String http) {
    TlsConnection conn = session.connection();
    String alpn = conn.applicationProtocol();
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tlsloop demo</title>"
        + "</head>\n<body><h1>Hello from tlsloop</h1>\n<ul>\n"
        + "<li>path: "
        + escape(path)
        + "</li>\n<li>"
        + http
        + " over "
        + conn.protocol()
        + ", "
        + conn.cipherSuite()
        + "</li>\n<li>ALPN: "
        + (alpn == null || alpn.isEmpty() ? "none" : escape(alpn))
        + "</li>\n<li>request "
        + requests
        + " on this connection</li>\n<li>user agent: "
        + escape(userAgent)
        + "</li>\n</ul></body></html>\n";
  }

  private void send(Replies session, int status, String reason, String body, boolean close) {
    send(session, status, reason, body, close, body.getBytes(StandardCharsets.UTF_8).length);
  }

  /**
   * Header and body in one buffer: one send, one TLS record. {@code close}: the connection closes
   * once it has gone out.
   */
  private void send(
      Replies session, int status, String reason, String body, boolean close, int contentLength) {
    byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    String header =
        "HTTP/1.1 "
            + status
            + " "
            + reason
            + "\r\nServer: tlsloop-demo\r\nContent-Type: "
            + (status == 200 ? "text/html" : "text/plain")
            + "; charset=utf-8\r\nContent-Length: "
            + (body == null ? contentLength : bodyBytes.length)
            + "\r\nConnection: "
            + (close ? "close" : "keep-alive")
            + "\r\n\r\n";
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer response = ByteBuffer.allocate(h.length + bodyBytes.length);
    response.put(h).put(bodyBytes).flip();
    unsent = response;
    closing = close;
    flush(session);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
