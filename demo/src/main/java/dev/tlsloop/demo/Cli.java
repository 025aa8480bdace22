package dev.tlsloop.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The demo's command line, parsed by picocli: the parser's settings, the help and the usage errors
 * (exit status {@link Failure#USAGE}) in one place. The options classes stay plain fields that
 * picocli fills and the rest of the demo reads.
 */
final class Cli {
  /** A command-line mistake; the message is shown with the usage. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Options that check what picocli cannot: ranges and options that go together. */
  interface Checked {
    /** Called once every argument is in. */
    void check() throws UsageException;
  }

  private Cli() {}

  /** A picocli command line for {@code options} (an {@code @Command} object). */
  static CommandLine commandLine(Object options) {
    CommandLine cl = new CommandLine(options);
    // "@name" is a host name or a message here, never a file of arguments to read (picocli's
    // default would read any file the argument names).
    cl.setExpandAtFiles(false);
    // As the hand-written parser did: the last "--port" wins, and a value may look like an option
    // ("--message --trace" sends the text "--trace").
    cl.setOverwrittenOptionsAllowed(true);
    cl.setAllowOptionsAsOptionParameters(true);
    return cl;
  }

  /** Fills {@code options} from {@code argv} and checks them; help is not handled here. */
  static <T extends Checked> T parse(T options, List<String> argv) throws UsageException {
    try {
      commandLine(options).parseArgs(argv.toArray(new String[0]));
    } catch (ParameterException e) {
      throw new UsageException(e.getMessage());
    }
    options.check();
    return options;
  }

  /**
   * Fills {@code options} from {@code argv} and checks them. Empty when they are ready to use;
   * otherwise the exit status, after the help was printed on {@code out} (0) or a usage error on
   * {@code err} ({@link Failure#USAGE}).
   */
  static OptionalInt parse(Checked options, List<String> argv, PrintStream out, PrintStream err) {
    CommandLine cl = commandLine(options);
    try {
      if (cl.parseArgs(argv.toArray(new String[0])).isUsageHelpRequested()) {
        out.print(cl.getUsageMessage());
        out.flush();
        return OptionalInt.of(0);
      }
      options.check();
      return OptionalInt.empty();
    } catch (ParameterException e) {
      return OptionalInt.of(usageError(e.getMessage(), suggestions(e), cl, err));
    } catch (UsageException e) {
      return OptionalInt.of(usageError(e.getMessage(), List.of(), cl, err));
    }
  }

  /** The generated help of {@code options}. */
  static String usage(Object options) {
    return commandLine(options).getUsageMessage();
  }

  private static int usageError(
      String message, List<String> suggestions, CommandLine cl, PrintStream err) {
    err.println("error: " + message);
    if (!suggestions.isEmpty()) {
      err.println("did you mean " + String.join(" or ", suggestions) + "?");
    }
    err.print(cl.getUsageMessage());
    err.flush();
    return Failure.USAGE.exitCode;
  }

  /**
   * What the user probably meant by an unknown option or command: picocli's suggestions (shared
   * letter pairs), then names one or two edits away. Picocli's alone misses swapped letters in
   * short names: "--prot" has no letter pair in common with "--port".
   */
  static List<String> suggestions(ParameterException e) {
    if (!(e instanceof UnmatchedArgumentException)) {
      return List.of();
    }
    UnmatchedArgumentException u = (UnmatchedArgumentException) e;
    List<String> result = new ArrayList<>(u.getSuggestions());
    if (u.getUnmatched().isEmpty()) {
      return result;
    }
    String typed = u.getUnmatched().get(0);
    CommandLine.Model.CommandSpec spec = u.getCommandLine().getCommandSpec();
    Iterable<String> names =
        typed.startsWith("-") ? spec.optionsMap().keySet() : spec.subcommands().keySet();
    for (String name : names) {
      if (!result.contains(name) && closeEnough(typed, name)) {
        result.add(name);
      }
    }
    return result;
  }

  /** Within two edits, and fewer than half of the name's letters (dashes not counted). */
  static boolean closeEnough(String typed, String name) {
    String a = stripDashes(typed);
    String b = stripDashes(name);
    int d = editDistance(a, b);
    return d <= 2 && 2 * d < b.length();
  }

  private static String stripDashes(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == '-') {
      i++;
    }
    return s.substring(i);
  }

  /**
   * Insertions, deletions, substitutions and swaps of two neighbours needed to turn {@code a} into
   * {@code b} (optimal string alignment distance).
   */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
