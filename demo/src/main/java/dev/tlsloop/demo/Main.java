package dev.tlsloop.demo;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/** {@code java -jar tlsloop-demo.jar client|server ...}: dispatches to the two demos. */
public final class Main {
  private Main() {}

  /** Entry point. */
  public static void main(String[] args) {
    int code = run(args, System.in, System.out, System.err);
    if (code != 0 || args.length == 0 || !args[0].equals("server")) {
      System.exit(code); // the server returns after Ctrl-C, while shutdown hooks run
    }
  }

  /** Runs a command; returns the exit status. */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    List<String> rest = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
    String cmd = args.length == 0 ? "" : args[0];
    switch (cmd) {
      case "client":
        return DemoClient.run(rest, in, out, err);
      case "server":
        return DemoServer.run(rest, out, err);
      case "-h":
      case "--help":
      case "help":
        out.println(DemoClient.USAGE + "\n\n" + DemoServer.USAGE);
        return 0;
      default:
        err.println(
            (cmd.isEmpty() ? "" : "unknown command " + cmd + "\n")
                + DemoClient.USAGE
                + "\n\n"
                + DemoServer.USAGE);
        return Failure.USAGE.exitCode;
    }
  }
}
