package dev.tlsloop.demo;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a connection's bytes into HTTP request heads (request line and header fields, RFC 9112
 * section 2.1), whatever way the bytes are split across reads. Every byte is looked at once: the
 * end of a line is found when its LF arrives, never by searching what came before.
 *
 * <p>A line ends with CRLF or with a bare LF, and the two may be mixed: RFC 9112 section 2.2 lets a
 * recipient take a single LF as a line terminator and ignore a CR before it (clients and test tools
 * send {@code GET / HTTP/1.0\n\n}). Empty lines before the request line are skipped, as section 2.2
 * advises for clients that end a body with an extra CRLF.
 */
final class RequestHeadReader {
  /**
   * The most bytes one head may take, terminators and skipped leading empty lines included; a head
   * that has not ended within them gets 431 (RFC 6585 section 5).
   */
  static final int MAX_HEAD = 16 * 1024;

  /** The head is larger than {@link #MAX_HEAD}. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super("request head larger than " + MAX_HEAD + " bytes");
    }
  }

  /** Bytes of the current line so far (ISO-8859-1: one char per byte). */
  private byte[] line = new byte[256];

  private int lineLength;

  /** Bytes of the current head so far, all lines and terminators. */
  private int headLength;

  /** The current head's lines, without terminators. */
  private List<String> lines = new ArrayList<>();

  /** Every byte examined, over the reader's life (for the linearity test). */
  private long examined;

  /**
   * Takes bytes from {@code data} up to the end of the next head and returns its lines without
   * terminators (the request line first), or null when {@code data} ran out first: the bytes taken
   * are kept and the head goes on with the next call. Bytes after the head stay in {@code data}.
   */
  List<String> next(ByteBuffer data) throws TooLargeException {
    while (data.hasRemaining()) {
      if (headLength == MAX_HEAD) {
        throw new TooLargeException();
      }
      byte b = data.get();
      headLength++;
      examined++;
      if (b != '\n') {
        append(b);
        continue;
      }
      int end = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
      lineLength = 0;
      if (end > 0) {
        lines.add(new String(line, 0, end, StandardCharsets.ISO_8859_1));
      } else if (!lines.isEmpty()) {
        List<String> head = lines;
        lines = new ArrayList<>();
        headLength = 0;
        return head;
      }
      // else: an empty line before the request line, skipped (RFC 9112 section 2.2).
    }
    return null;
  }

  /** Bytes examined since the reader was made: each byte of input exactly once. */
  long bytesExamined() {
    return examined;
  }

  private void append(byte b) {
    if (lineLength == line.length) {
      line = Arrays.copyOf(line, Math.min(2 * line.length, MAX_HEAD));
    }
    line[lineLength++] = b;
  }
}
