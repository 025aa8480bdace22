package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Mermaid diagram in NOTES.md is the transition table of {@link TlsState}, and the table in the
 * Javadoc of each {@link Lifecycle} part is that part's: no more, no less.
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

  @Test
  void eachLifecyclePartsJavadocTableMatchesItsCanMoveTo() throws Exception {
    String source =
        Files.readString(Path.of("src", "main", "java", "dev", "tlsloop", "Lifecycle.java"));
    assertEquals(
        allowed(Lifecycle.Handshake.values(), Lifecycle.Handshake::canMoveTo),
        drawn(source, "Handshake"));
    assertEquals(
        allowed(Lifecycle.Output.values(), Lifecycle.Output::canMoveTo), drawn(source, "Output"));
    assertEquals(
        allowed(Lifecycle.Input.values(), Lifecycle.Input::canMoveTo), drawn(source, "Input"));
  }

  @Test
  void aLifecycleMoveIsRejectedWhenAnyPartSkipsItsTable() {
    Lifecycle open = Lifecycle.START.with(TlsState.HANDSHAKING);
    assertTrue(open.canMoveTo(open.with(TlsState.OPEN).with(Lifecycle.Handshake.DONE)));
    assertFalse(open.canMoveTo(open.with(Lifecycle.Handshake.RENEGOTIATING)));
    assertFalse(
        open.with(Lifecycle.Output.CLOSED_BY_CALLER)
            .canMoveTo(open.with(Lifecycle.Output.SHUT_DOWN)));
    assertFalse(open.canMoveTo(open.with(TlsState.NEW)));
  }

  /**
   * The arrows {@code A ──...──> B} of the {@code <pre>} table in the Javadoc above {@code enum}.
   */
  private static Set<String> drawn(String source, String part) {
    int end = source.indexOf("enum " + part + " {");
    assertTrue(end > 0, "Lifecycle has enum " + part);
    String javadoc = source.substring(source.lastIndexOf("/**", end), end);
    Set<String> drawn = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^\\s*\\*\\s*([A-Z_]+) ─.*?> ([A-Z_]+)").matcher(javadoc);
    while (m.find()) {
      drawn.add(m.group(1) + " -> " + m.group(2));
    }
    assertTrue(drawn.size() > 1, part + " has a table");
    return drawn;
  }

  private static <E extends Enum<E>> Set<String> allowed(E[] values, BiPredicate<E, E> canMoveTo) {
    Set<String> allowed = new TreeSet<>();
    for (E from : values) {
      for (E to : values) {
        if (canMoveTo.test(from, to)) {
          allowed.add(from + " -> " + to);
        }
      }
    }
    return allowed;
  }
}
