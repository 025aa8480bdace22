package dev.tlsloop.demo;

import java.io.PrintStream;
import java.util.Locale;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Prints the engine's loop log ({@code System.Logger} "dev.tlsloop.loop", backed by
 * java.util.logging) as one line per record on the server's stderr: {@code warning: tlsloop-0:
 * accept failed on ...}.
 *
 * <p>It replaces the JDK's console format for more than looks: that format stamps each record with
 * the local time, and the time-zone data it needs is read from a file at the first record. The
 * loop's first record is typically "accept failed: Too many open files", when no file can be
 * opened; the error thrown then ended the loop thread (seen under {@code ulimit -n 256}, see
 * ServerResilienceTest). This format needs no file.
 */
final class LoopLog {
  /** java.util.logging holds loggers weakly: this keeps the handler's logger alive. */
  private static Logger logger;

  private LoopLog() {}

  /** Sends the loop log to {@code err} from now on (once per process: the CLI server). */
  static synchronized void install(PrintStream err) {
    if (logger != null) {
      return;
    }
    logger = Logger.getLogger("dev.tlsloop.loop");
    logger.setUseParentHandlers(false);
    logger.addHandler(
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (!isLoggable(r)) {
              return;
            }
            Throwable t = r.getThrown();
            // getName(), not getLocalizedName(): a localized name is a resource bundle to load.
            err.println(
                r.getLevel().getName().toLowerCase(Locale.ROOT)
                    + ": "
                    + r.getMessage()
                    + (t == null ? "" : ": " + t));
          }

          @Override
          public void flush() {
            err.flush();
          }

          @Override
          public void close() {
            flush();
          }
        });
  }
}
