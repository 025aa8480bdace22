package dev.tlsloop.demo;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar tlsloop-demo.jar client|server ...}: dispatches to the two demos. */
public final class Main {
  private Main() {}

  /**
   * The top level, parsed only when the first argument is not a command: it prints the help, or a
   * usage error that names the command the user probably meant.
   */
  @Command(
      name = "demo",
      synopsisHeading = "usage: ",
      customSynopsis = "demo client|server [options]%n",
      description = {"tlsloop's demo: a TLS client and a TLS server on the tlsloop engine.", ""},
      commandListHeading = "%ncommands:%n",
      subcommands = {DemoClient.Options.class, DemoServer.Options.class},
      footer = {"", "demo COMMAND --help lists the command's options."})
  static final class Commands implements Cli.Checked {
    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "show this help and exit")
    boolean help;

    @Override
    public void check() throws Cli.UsageException {
      throw new Cli.UsageException("no command: use client or server");
    }
  }

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
      case "help":
        return Cli.parse(new Commands(), List.of("--help"), out, err).getAsInt();
      default:
        return Cli.parse(new Commands(), Arrays.asList(args), out, err).getAsInt();
    }
  }
}
