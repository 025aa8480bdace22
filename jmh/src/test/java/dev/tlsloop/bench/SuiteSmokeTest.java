package dev.tlsloop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * CI smoke test of the benchmark suite: the smoke plan (every peer's 16 KiB bulk row over TLS 1.3,
 * the TLS 1.2 bulk rows, the in-memory pair, one scaling row, full and resumed handshakes and
 * latency for a few peers) in this JVM ({@code -f 0}), one 100 ms warm-up and one 100 ms
 * measurement iteration each. A row that negotiated another protocol or suite than it pins fails
 * its trial and so has no result. Asserts that every row produced a result or says why it cannot
 * run here, and that the handshake counts tell full from resumed; never asserts a timing.
 */
class SuiteSmokeTest {
  /** One run for all assertions: it is the slow part. */
  private static Suite.Report report;

  @BeforeAll
  static void runSmokePlan() throws Exception {
    report = Suite.run(Suite.Plan.SMOKE, Path.of("target", "suite-smoke"));
    System.out.print(report.table);
  }

  @Test
  void everyPlannedRowHasAResultOrAReason() {
    Suite.Report r = report;
    assertFalse(r.planned.isEmpty());
    boolean linuxX64 =
        System.getProperty("os.name").startsWith("Linux")
            && System.getProperty("os.arch").matches("amd64|x86_64");
    for (String label : r.planned) {
      RunResult result = r.results.get(label);
      String why = r.unavailable.get(label);
      if (result != null) {
        assertTrue(result.getPrimaryResult().getScore() > 0, label + " scored nothing");
      } else if (why != null) {
        assertFalse(why.isBlank(), label);
        // Only the peers with native code may be missing, and only off the platform we ship for.
        assertTrue(
            !linuxX64 && (label.endsWith("|netty-openssl") || label.endsWith("|tlsloop-conscrypt")),
            label + " unavailable on a platform it should run on: " + why);
      } else {
        fail(label + " produced no result; see the JMH output above");
      }
      assertTrue(r.table.contains(label.substring(label.indexOf('|') + 1)), label);
    }
  }

  @Test
  void handshakeCountsShowWhetherSessionsWereResumed() {
    Suite.Report r = report;
    for (String peer : new String[] {"tlsloop", "sslsocket"}) {
      RunResult full = r.results.get("handshake full|" + peer);
      RunResult resumed = r.results.get("handshake resumed|" + peer);
      assertTrue(full != null && resumed != null, peer + ": handshake rows missing");
      double fullConnections = count(full, "connections");
      assertTrue(fullConnections > 0, peer);
      assertEquals(fullConnections, count(full, "fullHandshakes"), peer + " full");
      assertTrue(count(resumed, "connections") > 0, peer);
      assertEquals(0, count(resumed, "fullHandshakes"), peer + " resumed");
    }
  }

  private static double count(RunResult r, String name) {
    Result<?> c = r.getSecondaryResults().get(name);
    assertTrue(c != null, name + " missing");
    return c.getScore();
  }
}
