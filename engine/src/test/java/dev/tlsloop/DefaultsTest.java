package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tlsloop.loop.LoopOptions;
import dev.tlsloop.testkit.TestPki;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every limit and timeout has the default its Javadoc states. */
class DefaultsTest {
  @Test
  void connectionDeadlinesDefaultAsDocumented() throws Exception {
    TestPki pki = TestPki.create();
    TlsConfig server = TlsConfig.server(pki.serverContext(pki.issue("localhost"))).build();
    TlsConfig client = TlsConfig.client("localhost", 443).sslContext(pki.clientContext()).build();
    assertEquals(Duration.ofSeconds(10), server.handshakeTimeout());
    assertEquals(Duration.ofSeconds(10), client.handshakeTimeout());
    assertEquals(Duration.ofMinutes(5), server.idleTimeout(), "servers drop idle peers");
    assertEquals(Duration.ZERO, client.idleTimeout(), "clients keep theirs");
    assertEquals(Duration.ofSeconds(5), server.closeTimeout());
    assertEquals(64, server.maxRecordsWithoutData());
    assertThrows(
        IllegalArgumentException.class,
        () -> TlsConfig.client("localhost", 443).idleTimeout(Duration.ofSeconds(-1)));
  }

  @Test
  void loopLimitsDefaultAsDocumented() {
    LoopOptions o = LoopOptions.DEFAULTS;
    assertEquals(Runtime.getRuntime().availableProcessors(), o.loops());
    assertEquals(10_000, o.maxConnections());
    assertEquals(256, o.maxHandshakes());
    assertEquals(64 * 1024, o.budgetBytes());
    assertEquals(64 * 1024, o.sendQueueBytes());
    assertEquals(1024, o.backlog());
    assertEquals(Duration.ofSeconds(10), o.connectTimeout());
    assertThrows(IllegalArgumentException.class, () -> LoopOptions.builder().budgetBytes(0));
  }
}
