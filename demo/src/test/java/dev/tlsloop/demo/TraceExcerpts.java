package dev.tlsloop.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The trace excerpts in README.md and NOTES.md, each between a marker that names the command that
 * printed it and a closing marker:
 *
 * <pre>
 * &lt;!-- trace: client --tls1.3 --trace | brief --&gt;
 * ```
 * ...what that command printed on stdout...
 * ```
 * &lt;!-- /trace --&gt;
 * </pre>
 *
 * A command is {@code demo client} arguments separated by spaces ({@code \n} in one stands for a
 * newline). {@code vs openssl s_server ARGS} runs the client against {@code openssl s_server
 * -accept 127.0.0.1:0 -naccept 1} with a test CA's certificate and {@code ARGS}, and adds {@code
 * --cacert CA localhost PORT} to the client's arguments. After {@code |} a filter trims what is
 * shown: {@code brief} drops buffer lines and the detail lines under each record, {@code handshake}
 * drops buffer lines and stops before the first application-data write.
 */
final class TraceExcerpts {
  static final Pattern BLOCK =
      Pattern.compile("<!-- trace: (.+?) -->\\n```\\n(.*?)```\\n<!-- /trace -->", Pattern.DOTALL);

  private TraceExcerpts() {}

  /** One marked excerpt: its command and the text the document shows. */
  record Excerpt(String command, String shown) {
    String clientArgs() {
      return command.split("\\|")[0].split(" vs ")[0].trim();
    }

    String opensslArgs() {
      String[] parts = command.split("\\|")[0].split(" vs openssl s_server");
      return parts.length > 1 ? parts[1].trim() : null;
    }

    String filter() {
      String[] parts = command.split("\\|");
      return parts.length > 1 ? parts[1].trim() : "";
    }
  }

  /** The excerpts of {@code doc}, in order. */
  static List<Excerpt> excerpts(String doc) {
    List<Excerpt> list = new ArrayList<>();
    Matcher m = BLOCK.matcher(doc);
    while (m.find()) {
      list.add(new Excerpt(m.group(1), m.group(2)));
    }
    return list;
  }

  /** Runs an excerpt's command and returns its stdout, filtered as the marker says. */
  static String run(Excerpt e, Path tmp) throws Exception {
    List<String> args = new ArrayList<>();
    for (String a : e.clientArgs().split(" +")) {
      args.add(a.replace("\\n", "\n"));
    }
    args.remove(0); // "client"
    String out;
    if (e.opensslArgs() == null) {
      out = clientOut(args);
    } else {
      Pem pem = Pem.localhost(tmp);
      try (ExternalProcess s = pem.sServer(1, Arrays.asList(e.opensslArgs().split(" +")))) {
        args.addAll(List.of("--cacert", pem.ca.toString(), "localhost", "" + s.acceptPort()));
        out = clientOut(args);
      }
    }
    return filter(out, e.filter());
  }

  private static String clientOut(List<String> args) throws Exception {
    InProcessClient c = InProcessClient.run(args.toArray(new String[0]));
    if (c.exitCode() != 0) {
      throw new AssertionError("client " + args + " failed;\n" + c.transcript());
    }
    return c.out();
  }

  static String filter(String out, String filter) {
    StringBuilder b = new StringBuilder();
    for (String line : out.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (!filter.isEmpty() && line.matches("\\s+[0-9.]+ ms  buffer .*")) {
        continue;
      }
      if (filter.equals("brief") && isDetail(line)) {
        continue;
      }
      if (filter.equals("handshake") && line.contains("why: caller's write")) {
        break;
      }
      b.append(line).append('\n');
    }
    return b.toString();
  }

  /** A detail line under a record (or a wrapped long line): 20 spaces, no timestamp. */
  static boolean isDetail(String line) {
    return line.startsWith(" ".repeat(20)) && !line.matches("\\s+[0-9.]+ ms .*");
  }

  /**
   * The lines of a trace that must match another run's, in three sequences: records sent (with
   * their detail lines), records received, and everything else. Only the order within each sequence
   * is compared: a record is printed when it crosses the socket, so whether the server's next
   * record is printed before or after an unwrap of the previous one depends on the timing of the
   * reads.
   */
  static List<List<String>> streams(String text) {
    List<String> sent = new ArrayList<>();
    List<String> received = new ArrayList<>();
    List<String> other = new ArrayList<>();
    List<String> current = other;
    for (String raw : text.split("\n")) {
      if (raw.isBlank()) {
        continue;
      }
      String line = normalize(raw);
      if (line.contains("BUFFER_UNDERFLOW")) {
        continue; // a record split by the socket: how reads fall is not the program's doing
      }
      if (isDetail(raw)) {
        current.add(line);
        continue;
      }
      current = line.startsWith(">> ") ? sent : line.startsWith("<< ") ? received : other;
      current.add(line);
    }
    return List.of(sent, received, other);
  }

  /** Drops what legitimately varies between runs and is not a number: times, ports, dates. */
  static String normalize(String line) {
    String s = line.replaceFirst("^\\s*[0-9]+\\.[0-9] ms  ", "").trim();
    s = s.replaceAll("[0-9]+\\.[0-9] ms", "T ms");
    s = s.replaceAll("localhost:[0-9]+", "localhost:PORT");
    s = s.replaceAll("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z", "DATE");
    return s.replaceAll("\\s+", " ");
  }

  /**
   * Whether two normalized lines agree: the same words, and the same numbers except that a number
   * of 100 or more may differ by up to {@link #BYTES_SLACK}, one of 64 to 99 (a record holding one
   * signature, such as OpenSSL's CertificateVerify) by up to 3 (see {@link TraceExcerptsTest}).
   */
  static boolean sameLine(String a, String b) {
    String[] x = a.split("(?<=\\D)(?=\\d)|(?<=\\d)(?=\\D)");
    String[] y = b.split("(?<=\\D)(?=\\d)|(?<=\\d)(?=\\D)");
    if (x.length != y.length) {
      return false;
    }
    for (int i = 0; i < x.length; i++) {
      if (x[i].equals(y[i])) {
        continue;
      }
      if (!x[i].matches("\\d{1,9}") || !y[i].matches("\\d{1,9}")) {
        return false;
      }
      long p = Long.parseLong(x[i]);
      long q = Long.parseLong(y[i]);
      long slack = Math.min(p, q) >= 100 ? BYTES_SLACK : Math.min(p, q) >= 64 ? 3 : 0;
      if (Math.abs(p - q) > slack) {
        return false;
      }
    }
    return true;
  }

  /** ECDSA signatures (DER) are 70 to 72 bytes, sometimes less; a handshake carries up to four. */
  static final int BYTES_SLACK = 12;

  /**
   * The JDK the excerpts were generated on ({@code Runtime.version().feature()}): other JDKs offer
   * other suites and extensions, so there only {@link #outline} is compared.
   */
  static final int GENERATED_ON_JDK = 17;

  /**
   * What any JDK must print alike: each record's direction, number, content type and handshake
   * messages, and each state transition, in order (no sizes, no details).
   */
  static String outline(String text) {
    StringBuilder b = new StringBuilder();
    for (String raw : text.split("\n")) {
      String line = normalize(raw);
      Matcher m = RECORD.matcher(line);
      if (!isDetail(raw) && m.matches()) {
        b.append(m.group(1)).append(' ').append(m.group(2)).append('\n');
      } else if (!isDetail(raw) && line.startsWith("state ") && line.contains("->")) {
        b.append(line).append('\n');
      }
    }
    return b.toString();
  }

  /** Direction, number and type; size; then handshake message names, if the record shows any. */
  private static final Pattern RECORD =
      Pattern.compile("((?:>>|<<) #\\d+ \\S+) .*? \\d+ B ?((?:[A-Z][A-Za-z]+(?:, )?)*).*");

  /** The first difference between two traces, or null when they agree. */
  static String difference(String expected, String actual) {
    List<List<String>> e = streams(expected);
    List<List<String>> a = streams(actual);
    String[] names = {"records sent", "records received", "other lines"};
    for (int k = 0; k < 3; k++) {
      List<String> x = e.get(k);
      List<String> y = a.get(k);
      for (int i = 0; i < Math.max(x.size(), y.size()); i++) {
        String l = i < x.size() ? x.get(i) : "(nothing)";
        String r = i < y.size() ? y.get(i) : "(nothing)";
        if (!sameLine(l, r)) {
          return names[k] + ", line " + (i + 1) + ":\n  document: " + l + "\n  program:  " + r;
        }
      }
    }
    return null;
  }

  /** {@code doc} with every excerpt's text replaced by what {@code runs} printed for it. */
  static String rewrite(String doc, List<String> runs) {
    Matcher m = BLOCK.matcher(doc);
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (m.find()) {
      String block =
          "<!-- trace: " + m.group(1) + " -->\n```\n" + runs.get(i++) + "```\n<!-- /trace -->";
      m.appendReplacement(b, Matcher.quoteReplacement(block));
    }
    m.appendTail(b);
    return b.toString();
  }

  static String read(Path p) throws IOException {
    return Files.readString(p, StandardCharsets.UTF_8);
  }
}
