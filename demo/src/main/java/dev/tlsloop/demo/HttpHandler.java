package dev.tlsloop.demo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLSession;

/**
 * Just enough HTTP/1.1 for curl and browsers: GET and HEAD of any path return a small page about
 * the TLS connection. Each response, header and body, goes out in ONE write (so one TLS record).
 * HTTP/1.1 connections stay open (keep-alive) unless the request says {@code Connection: close};
 * HTTP/1.0 connections close after the response, with close_notify first.
 */
final class HttpHandler implements SelectorLoop.Handler {
  /** Request heads, cut from the stream in one pass over its bytes. */
  private final RequestHeadReader heads = new RequestHeadReader();

  /** Body bytes of the current request still to skip. */
  private long bodyLeft;

  private int requests;

  /**
   * Answers every whole request in {@code data}, in order (pipelined requests in one read get one
   * response each); a partial head is kept for the next call.
   */
  @Override
  public void received(ByteBuffer data, SelectorLoop.Session session) {
    while (data.hasRemaining()) {
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
        session.closeAfterSending();
        return;
      }
      if (head == null) {
        return; // the rest of the head comes with a later read
      }
      if (respond(head, session)) {
        return; // closing: whatever follows is not read
      }
    }
  }

  /** Answers one request; returns true when the connection closes after it. */
  private boolean respond(List<String> lines, SelectorLoop.Session session) {
    String[] first = lines.get(0).split(" ");
    if (first.length != 3 || !first[2].startsWith("HTTP/1.")) {
      send(session, 400, "Bad Request", "bad request line\n", true);
      session.closeAfterSending();
      return true;
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
    if (close) {
      session.closeAfterSending();
    }
    return close;
  }

  private String page(SelectorLoop.Session session, String path, String userAgent, String http) {
    SSLSession s = session.connection().session();
    String alpn = session.connection().engine().getApplicationProtocol();
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>tlsloop demo</title>"
        + "</head>\n<body><h1>Hello from tlsloop</h1>\n<ul>\n"
        + "<li>path: "
        + escape(path)
        + "</li>\n<li>"
        + http
        + " over "
        + s.getProtocol()
        + ", "
        + s.getCipherSuite()
        + "</li>\n<li>ALPN: "
        + (alpn == null || alpn.isEmpty() ? "none" : escape(alpn))
        + "</li>\n<li>request "
        + requests
        + " on this connection</li>\n<li>user agent: "
        + escape(userAgent)
        + "</li>\n</ul></body></html>\n";
  }

  private static void send(
      SelectorLoop.Session session, int status, String reason, String body, boolean close) {
    send(session, status, reason, body, close, body.getBytes(StandardCharsets.UTF_8).length);
  }

  /** Header and body in one buffer: one write call, one TLS record. */
  private static void send(
      SelectorLoop.Session session,
      int status,
      String reason,
      String body,
      boolean close,
      int contentLength) {
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
    session.send(response);
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
