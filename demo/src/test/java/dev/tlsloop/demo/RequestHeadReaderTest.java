package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Request heads cut from a byte stream: terminators, splits, the size limit, one pass. */
class RequestHeadReaderTest {
  private static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Every head in {@code chunks}, fed in that order. */
  private static List<List<String>> heads(RequestHeadReader r, List<ByteBuffer> chunks)
      throws Exception {
    List<List<String>> result = new ArrayList<>();
    for (ByteBuffer chunk : chunks) {
      List<String> head;
      while ((head = r.next(chunk)) != null) {
        result.add(head);
      }
      assertEquals(0, chunk.remaining(), "null only when the chunk is used up");
    }
    return result;
  }

  private static List<List<String>> heads(String stream) throws Exception {
    return heads(new RequestHeadReader(), List.of(ascii(stream)));
  }

  /** A head of exactly {@code size} bytes: request line, one padding field, CRLF CRLF. */
  private static String headOfSize(int size) {
    String start = "GET / HTTP/1.1\r\nX-Pad: ";
    String end = "\r\n\r\n";
    return start + "a".repeat(size - start.length() - end.length()) + end;
  }

  @Test
  void crlfEndsLinesAndAnEmptyLineEndsTheHead() throws Exception {
    assertEquals(
        List.of(List.of("GET /a HTTP/1.1", "Host: x", "Accept: */*")),
        heads("GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"));
  }

  @Test
  void aBareLfEndsLinesAndTheHead() throws Exception {
    assertEquals(List.of(List.of("GET / HTTP/1.0")), heads("GET / HTTP/1.0\n\n"));
    assertEquals(
        List.of(List.of("GET / HTTP/1.1", "Host: x")), heads("GET / HTTP/1.1\nHost: x\n\n"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET / HTTP/1.1\r\nHost: x\n\n",
        "GET / HTTP/1.1\nHost: x\r\n\n",
        "GET / HTTP/1.1\nHost: x\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\n",
        "GET / HTTP/1.1\r\nHost: x\n\r\n"
      })
  void crlfAndBareLfMayBeMixed(String stream) throws Exception {
    assertEquals(List.of(List.of("GET / HTTP/1.1", "Host: x")), heads(stream));
  }

  @Test
  void aCrNotBeforeLfIsPartOfTheLine() throws Exception {
    assertEquals(List.of(List.of("GET / HTTP/1.1\rX: y")), heads("GET / HTTP/1.1\rX: y\n\n"));
  }

  @Test
  void emptyLinesBeforeTheRequestLineAreSkipped() throws Exception {
    assertEquals(List.of(List.of("GET / HTTP/1.1")), heads("\r\n\n\r\nGET / HTTP/1.1\r\n\r\n"));
  }

  @Test
  void pipelinedHeadsInOneBufferComeOutInOrderAndStopAtTheirEnd() throws Exception {
    RequestHeadReader r = new RequestHeadReader();
    String first = "GET /1 HTTP/1.1\r\n\r\n";
    ByteBuffer data = ascii(first + "GET /2 HTTP/1.1\n\nGET /3 HTTP/1.0\r\n\r\nGET /4");
    assertEquals(List.of("GET /1 HTTP/1.1"), r.next(data));
    assertEquals(first.length(), data.position(), "the next head's bytes stay in the buffer");
    assertEquals(List.of("GET /2 HTTP/1.1"), r.next(data));
    assertEquals(List.of("GET /3 HTTP/1.0"), r.next(data));
    assertNull(r.next(data), "a partial head waits for more bytes");
    assertEquals(List.of("GET /4 HTTP/1.1", "Host: x"), r.next(ascii(" HTTP/1.1\nHost: x\n\n")));
  }

  @Test
  void aHeadSplitAtEveryByteBoundaryComesOutTheSame() throws Exception {
    String stream =
        "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /b HTTP/1.1\nHost: y\n\n"
            + "\r\nHEAD /c HTTP/1.0\r\nUser-Agent: t\n\r\n";
    List<List<String>> whole = heads(stream);
    assertEquals(3, whole.size());
    byte[] bytes = stream.getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i <= bytes.length; i++) {
      for (int j = i; j <= bytes.length; j++) {
        List<ByteBuffer> chunks =
            List.of(
                ByteBuffer.wrap(bytes, 0, i).slice(),
                ByteBuffer.wrap(bytes, i, j - i).slice(),
                ByteBuffer.wrap(bytes, j, bytes.length - j).slice());
        assertEquals(whole, heads(new RequestHeadReader(), chunks), "split at " + i + ", " + j);
      }
    }
    List<ByteBuffer> oneByteEach = new ArrayList<>();
    for (byte b : bytes) {
      oneByteEach.add(ByteBuffer.wrap(new byte[] {b}));
    }
    assertEquals(whole, heads(new RequestHeadReader(), oneByteEach));
  }

  @Test
  void aHeadOfExactlyTheLimitIsAccepted() throws Exception {
    String head = headOfSize(RequestHeadReader.MAX_HEAD);
    assertEquals(RequestHeadReader.MAX_HEAD, head.length());
    assertEquals(1, heads(head).size());
    // And again right after it: the count starts over with each head.
    assertEquals(2, heads(head + head).size());
    String bareLf = "GET / HTTP/1.0\nX: " + "b".repeat(RequestHeadReader.MAX_HEAD - 20) + "\n\n";
    assertEquals(RequestHeadReader.MAX_HEAD, bareLf.length());
    assertEquals(1, heads(bareLf).size());
  }

  @Test
  void oneBytePastTheLimitIsTooLarge() throws Exception {
    String head = headOfSize(RequestHeadReader.MAX_HEAD + 1);
    RequestHeadReader r = new RequestHeadReader();
    ByteBuffer data = ascii(head);
    assertThrows(RequestHeadReader.TooLargeException.class, () -> r.next(data));
    assertEquals(
        RequestHeadReader.MAX_HEAD, data.position(), "the byte past the limit is not read");
  }

  @Test
  void theLimitHoldsAcrossReadsAndCountsSkippedEmptyLines() throws Exception {
    RequestHeadReader r = new RequestHeadReader();
    assertNull(r.next(ascii("\r\n".repeat(RequestHeadReader.MAX_HEAD / 2))));
    assertThrows(RequestHeadReader.TooLargeException.class, () -> r.next(ascii("G")));
  }

  @Test
  void eachByteIsExaminedOnceEvenWhenItArrivesAlone() throws Exception {
    // A 16 KiB head in 1-byte reads: a reader that searched the whole head for its end after each
    // byte (as the handler once did with lastIndexOf) would examine ~n^2/2 = 134 million bytes.
    String head = headOfSize(RequestHeadReader.MAX_HEAD);
    RequestHeadReader r = new RequestHeadReader();
    List<String> result = null;
    for (byte b : head.getBytes(StandardCharsets.ISO_8859_1)) {
      assertNull(result, "the head ended early");
      result = r.next(ByteBuffer.wrap(new byte[] {b}));
    }
    assertEquals(2, result.size());
    assertEquals(head.length(), r.bytesExamined());
  }
}
