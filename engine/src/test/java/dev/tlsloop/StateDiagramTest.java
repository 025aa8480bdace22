package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Mermaid diagram in NOTES.md is the transition table of {@link TlsState}, no more, no less.
 */
class StateDiagramTest {
  @Test
  void notesDiagramMatchesTheEnum() throws Exception {
    String notes = Files.readString(Path.of("..", "NOTES.md"));
    int start = notes.indexOf("stateDiagram-v2");
    assertTrue(start > 0, "NOTES.md has the state diagram");
    String diagram = notes.substring(start, notes.indexOf("```", start));
    Set<String> drawn = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\s*([A-Z_]+) --> ([A-Z_]+)").matcher(diagram);
    while (m.find()) {
      drawn.add(m.group(1) + " -> " + m.group(2));
    }
    Set<String> allowed = new TreeSet<>();
    for (TlsState from : TlsState.values()) {
      for (TlsState to : TlsState.values()) {
        if (from.canMoveTo(to)) {
          allowed.add(from + " -> " + to);
        }
      }
    }
    assertEquals(allowed, drawn);
  }
}
