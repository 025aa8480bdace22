package dev.tlsloop.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads record lines back out of a trace, so tests assert on what a reader sees. */
final class TraceLines {
  /** " 12.3 ms >> #4 handshake TLS 1.2 (0x0303) 40 B Finished, ..." */
  private static final Pattern RECORD =
      Pattern.compile(
          "^\\s*[\\d.]+ ms  (>>|<<) #\\d+\\s+(\\S+)\\s+\\S+ \\S+ \\(0x[0-9a-f]{4}\\)\\s+\\d+ B"
              + "(?:  ([A-Z][A-Za-z]+(?:, [A-Z][A-Za-z]+)*)(?=  |$))?");

  private TraceLines() {}

  /** Content types of the records going {@code way} (">>" sent, "<<" received), in order. */
  static List<String> types(List<String> lines, String way) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      Matcher m = RECORD.matcher(line);
      if (m.find() && m.group(1).equals(way)) {
        out.add(m.group(2));
      }
    }
    return out;
  }

  /** The same with runs of one type collapsed: how records are packed does not matter. */
  static List<String> typeRuns(List<String> lines, String way) {
    List<String> out = new ArrayList<>();
    for (String t : types(lines, way)) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** Handshake message names in the records going {@code way}, in order. */
  static List<String> messages(List<String> lines, String way) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      Matcher m = RECORD.matcher(line);
      if (m.find() && m.group(1).equals(way) && m.group(3) != null) {
        out.addAll(List.of(m.group(3).split(", ")));
      }
    }
    return out;
  }

  /** Index of the first line containing {@code text}, or -1. */
  static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  static String join(List<String> lines) {
    return String.join("\n", lines);
  }
}
