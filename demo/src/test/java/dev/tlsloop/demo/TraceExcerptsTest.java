package dev.tlsloop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trace excerpts in README.md and NOTES.md are what the demo prints today: each marked command
 * ({@link TraceExcerpts}) is run again in-process and its output compared with the document's.
 *
 * <p>The rule for "the same": a trace is split into three sequences, records sent, records received
 * and all other lines, and each must match line by line, in order. Between runs these legitimately
 * differ and are ignored: timestamps and durations ({@code 12.3 ms}), the embedded server's port,
 * certificate validity dates, the interleaving of the three sequences (records are printed as they
 * cross the socket, engine calls as they happen), unwraps that ended in BUFFER_UNDERFLOW (a record
 * the socket delivered in pieces), byte counts of 100 or more by up to {@value
 * TraceExcerpts#BYTES_SLACK} and counts of 64 to 99 by up to 3 (ECDSA signatures in certificates,
 * CertificateVerify and ServerKeyExchange are 70 to 72 bytes each, a record may hold one or
 * several, and each run makes a fresh CA). Everything else, every count below 64 such as 47-byte
 * records or 14 bytes of plaintext, every name and every line, must match.
 *
 * <p>On a JDK other than {@value TraceExcerpts#GENERATED_ON_JDK}, which generated them, other
 * suites and extensions change every size, so only the outline is compared there: each record's
 * direction, number, type and handshake messages, and the state transitions, in order.
 *
 * <p>{@code demo/scripts/update-trace-excerpts} runs this class with {@code
 * -Dtlsloop.excerpts.write=true}: it then rewrites the excerpts from a fresh run instead.
 */
class TraceExcerptsTest {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"README.md", "NOTES.md"})
  void everyTraceExcerptIsWhatTheDemoPrintsToday(String file) throws Exception {
    Path doc = ROOT.resolve(file);
    String text = TraceExcerpts.read(doc);
    List<TraceExcerpts.Excerpt> excerpts = TraceExcerpts.excerpts(text);
    assertFalse(excerpts.isEmpty(), file + " has no marked trace excerpt");
    boolean write = Boolean.getBoolean("tlsloop.excerpts.write");
    List<String> runs = new ArrayList<>();
    List<String> stale = new ArrayList<>();
    for (TraceExcerpts.Excerpt e : excerpts) {
      String now = TraceExcerpts.run(e, tmp);
      runs.add(now);
      String diff =
          Runtime.version().feature() == TraceExcerpts.GENERATED_ON_JDK
              ? TraceExcerpts.difference(e.shown(), now)
              : outlineDifference(e.shown(), now);
      if (diff != null) {
        stale.add("<!-- trace: " + e.command() + " --> no longer matches; " + diff);
      }
    }
    if (write) {
      Files.writeString(doc, TraceExcerpts.rewrite(text, runs), StandardCharsets.UTF_8);
    } else if (!stale.isEmpty()) {
      fail(
          file
              + ": "
              + String.join("\n", stale)
              + "\nrun demo/scripts/update-trace-excerpts and reread the text around them");
    }
  }

  private static String outlineDifference(String shown, String now) {
    String a = TraceExcerpts.outline(shown);
    String b = TraceExcerpts.outline(now);
    return a.equals(b)
        ? null
        : "outline on JDK " + Runtime.version().feature() + ":\n" + a + "vs\n" + b;
  }

  @Test
  void theComparisonIgnoresTimesPortsAndSignatureSizesButNotCounts() {
    String doc =
        "   80.3 ms  >> #1   handshake          TLS 1.2 (0x0303)    453 B  ClientHello\n"
            + "   90.1 ms  state   NEW -> HANDSHAKING\n"
            + "  222.9 ms  << #1   application_data   TLS 1.2 (0x0303)   1049 B\n"
            + "                    encrypted: outer type application_data hides the real type\n"
            + "  229.0 ms  task    delegated task ran 4.9 ms inline\n"
            + "  296.0 ms  engine  wrap    OK    consumed    14  produced    52\n";
    String rerun =
        "   12.0 ms  state   NEW -> HANDSHAKING\n"
            + "   81.0 ms  >> #1   handshake          TLS 1.2 (0x0303)    453 B  ClientHello\n"
            + "  229.0 ms  task    delegated task ran 11.2 ms inline\n"
            + "  250.9 ms  << #1   application_data   TLS 1.2 (0x0303)   1051 B\n"
            + "                    encrypted: outer type application_data hides the real type\n"
            + "  301.0 ms  engine  wrap    OK    consumed    14  produced    52\n";
    assertNull(TraceExcerpts.difference(doc, rerun));
    assertEquals(
        ">> #1 handshake ClientHello\nstate NEW -> HANDSHAKING\n<< #1 application_data \n",
        TraceExcerpts.outline(doc));
    assertNull(TraceExcerpts.difference(doc, rerun.replace("453 B", "465 B")));
    assertNotNull(TraceExcerpts.difference(doc, rerun.replace("453 B", "466 B")));
    assertNotNull(TraceExcerpts.difference(doc, rerun.replace("produced    52", "produced    53")));
    assertTrue(
        TraceExcerpts.sameLine("<< #6 application_data 96 B", "<< #6 application_data 99 B"));
    assertFalse(
        TraceExcerpts.sameLine("<< #6 application_data 96 B", "<< #6 application_data 100 B"));
    assertNotNull(TraceExcerpts.difference(doc, rerun.replace("1051 B", "1149 B")));
    assertNotNull(
        TraceExcerpts.difference(doc, rerun.replace("NEW -> HANDSHAKING", "NEW -> OPEN")));
    assertNotNull(TraceExcerpts.difference(doc, rerun.replace("hides the real type\n", "")));
  }

  @Test
  void aMarkerNamesTheClientTheOpensslServerAndTheFilter() {
    String doc =
        "x\n<!-- trace: client --trace --message hi\\n vs openssl s_server -groups secp384r1 -rev"
            + " | brief -->\n```\nold\n```\n<!-- /trace -->\ny\n";
    TraceExcerpts.Excerpt e = TraceExcerpts.excerpts(doc).get(0);
    assertEquals("client --trace --message hi\\n", e.clientArgs());
    assertEquals("-groups secp384r1 -rev", e.opensslArgs());
    assertEquals("brief", e.filter());
    assertEquals("old\n", e.shown());
    assertTrue(
        TraceExcerpts.rewrite(doc, List.of("new\n")).contains("```\nnew\n```\n<!-- /trace -->\ny"));
  }
}
