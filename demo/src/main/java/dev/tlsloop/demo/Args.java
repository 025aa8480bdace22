package dev.tlsloop.demo;

import java.util.ArrayList;
import java.util.List;

/** A tiny command-line reader: flags, options with a value, and positional arguments. */
final class Args {
  /** A command-line mistake; the message is shown with the usage. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private final List<String> rest;
  private final List<String> positional = new ArrayList<>();
  private int next;

  Args(List<String> args) {
    this.rest = args;
  }

  /** Whether there is another argument. */
  boolean hasNext() {
    return next < rest.size();
  }

  /** The next argument. */
  String next() {
    return rest.get(next++);
  }

  /** The value following option {@code name}. */
  String value(String name) throws UsageException {
    if (!hasNext()) {
      throw new UsageException(name + " needs a value");
    }
    return next();
  }

  /** The integer value following {@code name}, within [min, max]. */
  int intValue(String name, int min, int max) throws UsageException {
    String v = value(name);
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new UsageException(name + " must be between " + min + " and " + max + ": " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(name + " needs a number: " + v);
    }
  }

  /** Records a positional argument, or rejects an unknown option. */
  void positional(String arg) throws UsageException {
    if (arg.startsWith("-") && arg.length() > 1) {
      throw new UsageException("unknown option " + arg);
    }
    positional.add(arg);
  }

  /** The positional arguments seen so far. */
  List<String> positionals() {
    return positional;
  }
}
