package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP handler on its own: what it answers, in how many writes, and when it closes. */
class HttpHandlerTest {
  /** Never read or written: the handler only asks the connection for its (empty) session. */
  private static TlsConnection unusedConnection;

  @BeforeAll
  static void makeTheConnection() throws Exception {
    unusedConnection =
        TlsConfig.client("localhost", 443)
            .build()
            .newConnection(
                new ByteChannel() {
                  @Override
                  public int read(ByteBuffer dst) throws IOException {
                    throw new IOException("not a transport");
                  }

                  @Override
                  public int write(ByteBuffer src) throws IOException {
                    throw new IOException("not a transport");
                  }

                  @Override
                  public boolean isOpen() {
                    return true;
                  }

                  @Override
                  public void close() {}
                });
  }

  /**
   * A connection that records each send (one write call each) and the close; its send queue takes
   * at most {@code room} bytes until {@link #drain}.
   */
  private static final class Recorder implements HttpHandler.Replies {
    final List<String> writes = new ArrayList<>();
    boolean closing;
    int room = Integer.MAX_VALUE;

    @Override
    public boolean send(ByteBuffer data) {
      assertFalse(closing, "nothing is sent after close");
      int n = Math.min(room, data.remaining());
      room -= n;
      byte[] b = new byte[n];
      data.get(b);
      writes.add(new String(b, StandardCharsets.UTF_8));
      return !data.hasRemaining();
    }

    @Override
    public void close() {
      closing = true;
    }

    void drain() {
      room = Integer.MAX_VALUE;
    }

    @Override
    public TlsConnection connection() {
      return unusedConnection;
    }
  }

  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static Recorder feed(String... reads) {
    HttpHandler h = new HttpHandler();
    Recorder r = new Recorder();
    for (String read : reads) {
      h.received(ascii(read), r);
    }
    return r;
  }

  @Test
  void http10WithBareLfIsAnsweredThenClosed() {
    Recorder r = feed("GET / HTTP/1.0\n\n");
    assertEquals(1, r.writes.size());
    String response = r.writes.get(0);
    assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
    assertTrue(response.contains("\r\nConnection: close\r\n"), response);
    assertTrue(response.contains("<li>HTTP/1.0 over "), response);
    assertTrue(r.closing);
  }

  @Test
  void pipelinedRequestsInOneReadAreEachAnsweredInOrderWithOneWriteEach() {
    Recorder r =
        feed(
            "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /two HTTP/1.1\nHost: x\n\n"
                + "GET /three HTTP/1.1\r\nHost: x\n\r\n");
    assertEquals(3, r.writes.size(), r.writes.toString());
    assertTrue(r.writes.get(0).contains("<li>path: /one</li>"), r.writes.get(0));
    assertTrue(r.writes.get(0).contains("<li>request 1 on this connection</li>"));
    assertTrue(r.writes.get(1).endsWith("\r\n\r\n"), "HEAD: header only: " + r.writes.get(1));
    assertTrue(r.writes.get(2).contains("<li>path: /three</li>"), r.writes.get(2));
    assertTrue(r.writes.get(2).contains("<li>request 3 on this connection</li>"));
    for (String w : r.writes) {
      assertTrue(w.startsWith("HTTP/1.1 200 OK\r\n"), w);
      assertTrue(w.contains("\r\nConnection: keep-alive\r\n"), w);
    }
    assertFalse(r.closing, "HTTP/1.1 stays open");
  }

  @Test
  void connectionCloseEndsTheConnectionAndWhatFollowsIsNotAnswered() {
    Recorder r = feed("GET /a HTTP/1.1\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
    assertEquals(1, r.writes.size());
    assertTrue(r.writes.get(0).contains("\r\nConnection: close\r\n"), r.writes.get(0));
    assertTrue(r.closing);
  }

  @Test
  void aBodyIsSkippedAndTheNextRequestAnswered() {
    Recorder r =
        feed(
            "POST /form HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
            "c\nd",
            "GET /after HTTP/1.1\r\n\r\n");
    assertEquals(2, r.writes.size(), r.writes.toString());
    assertTrue(r.writes.get(0).startsWith("HTTP/1.1 405 Method Not Allowed\r\n"));
    assertTrue(r.writes.get(1).contains("<li>path: /after</li>"), r.writes.get(1));
  }

  @Test
  void aRequestSplitAtEveryByteIsAnsweredOnce() {
    String request = "GET /split HTTP/1.1\r\nHost: x\nUser-Agent: t\r\n\r\n";
    for (int i = 0; i <= request.length(); i++) {
      Recorder r = feed(request.substring(0, i), request.substring(i));
      assertEquals(1, r.writes.size(), "split at " + i);
      assertTrue(r.writes.get(0).contains("<li>user agent: t</li>"), r.writes.get(0));
    }
  }

  @Test
  void aHeadAtTheLimitIsAnsweredAndOneBytePastItGets431() {
    String start = "GET / HTTP/1.1\r\nX-Pad: ";
    int pad = RequestHeadReader.MAX_HEAD - start.length() - 4;
    Recorder ok = feed(start + "a".repeat(pad) + "\r\n\r\n");
    assertEquals(1, ok.writes.size());
    assertTrue(ok.writes.get(0).startsWith("HTTP/1.1 200 OK\r\n"), ok.writes.get(0));

    Recorder big = feed(start + "a".repeat(pad + 1) + "\r\n\r\n");
    assertEquals(1, big.writes.size());
    assertTrue(
        big.writes.get(0).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        big.writes.get(0));
    assertTrue(big.writes.get(0).contains("\r\nConnection: close\r\n"));
    assertTrue(big.closing);
  }

  @Test
  void aBadRequestLineGets400AndCloses() {
    Recorder r = feed("HELLO\n\n");
    assertEquals(1, r.writes.size());
    assertTrue(r.writes.get(0).startsWith("HTTP/1.1 400 Bad Request\r\n"), r.writes.get(0));
    assertTrue(r.closing);
  }

  /**
   * A response the send queue cannot take whole: the handler takes no further request (they stay in
   * the buffer, so the loop stops reading), sends the rest when writable, then goes on.
   */
  @Test
  void aFullSendQueueStopsTakingRequestsUntilWritable() {
    HttpHandler h = new HttpHandler();
    Recorder r = new Recorder();
    r.room = 100;
    ByteBuffer two = ascii("GET /one HTTP/1.1\r\n\r\nGET /two HTTP/1.1\r\n\r\n");
    h.received(two, r);
    assertEquals(1, r.writes.size());
    assertEquals(100, r.writes.get(0).length(), "the first 100 bytes of the first response");
    assertEquals("GET /two HTTP/1.1\r\n\r\n".length(), two.remaining(), "second left unread");

    h.received(two, r); // offered again before the queue drained: still not taken
    assertEquals(1, r.writes.size());

    r.drain();
    h.writable(r);
    assertEquals(2, r.writes.size());
    assertTrue(r.writes.get(1).endsWith("</html>\n"), "the rest of the first response");
    h.received(two, r);
    assertFalse(two.hasRemaining());
    assertEquals(3, r.writes.size());
    assertTrue(r.writes.get(2).contains("<li>path: /two</li>"), r.writes.get(2));
    assertFalse(r.closing);
  }

  /** With Connection: close the close waits for the rest of the response. */
  @Test
  void theCloseWaitsForAResponseThatDidNotFit() {
    HttpHandler h = new HttpHandler();
    Recorder r = new Recorder();
    r.room = 10;
    h.received(ascii("GET / HTTP/1.0\r\n\r\n"), r);
    assertFalse(r.closing, "not before the response is out");
    r.drain();
    h.writable(r);
    assertTrue(r.closing);
    assertTrue(r.writes.get(1).endsWith("</html>\n"));
  }
}
