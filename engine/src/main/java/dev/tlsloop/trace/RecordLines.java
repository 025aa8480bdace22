package dev.tlsloop.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lays out one record for a trace: a fixed-width head (type, legacy version, length), the names of
 * its handshake messages, then its facts, on as many lines of at most a given width as they need.
 */
final class RecordLines {
  private RecordLines() {}

  /**
   * The lines for {@code r}; {@code carries}, if not null, says what the engine call that made an
   * encrypted record put in it. The first line is the head; the rest are continuations.
   */
  static List<String> format(TlsRecord r, String carries, int width) {
    StringBuilder head = new StringBuilder();
    if (r.isTls()) {
      head.append(
          String.format(
              Locale.ROOT,
              "%-18s %-17s %5d B",
              r.contentTypeName(),
              r.legacyVersionName(),
              r.length()));
    } else {
      head.append(String.format(Locale.ROOT, "%-18s %5d B", r.contentTypeName(), r.length()));
    }
    if (!r.handshakeMessages().isEmpty()) {
      head.append("  ").append(String.join(", ", r.handshakeMessages()));
    }
    List<String> facts = new ArrayList<>(r.details());
    if (carries != null) {
      facts.add("carries " + carries);
    }
    // Facts follow on the same line while they fit, then on continuation lines.
    List<String> lines = new ArrayList<>();
    StringBuilder current = head;
    for (String fact : facts) {
      if (current.length() > 0 && current.length() + 2 + fact.length() > width) {
        lines.add(current.toString());
        current = new StringBuilder();
      }
      if (fact.length() > width) {
        lines.addAll(cutAfterCommas(fact, width)); // a long list: on lines of its own
        continue;
      }
      if (current.length() > 0) {
        current.append("  ");
      }
      current.append(fact);
    }
    if (current.length() > 0 || lines.isEmpty()) {
      lines.add(current.toString());
    }
    return lines;
  }

  /** {@code text} cut after ", " into pieces of at most {@code width} characters if possible. */
  private static List<String> cutAfterCommas(String text, int width) {
    List<String> out = new ArrayList<>();
    String rest = text;
    while (rest.length() > width) {
      int cut = rest.lastIndexOf(", ", width - 1);
      if (cut <= 2) {
        break;
      }
      out.add(rest.substring(0, cut + 1));
      rest = "  " + rest.substring(cut + 2);
    }
    out.add(rest);
    return out;
  }
}
