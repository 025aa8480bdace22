package dev.tlsloop.hostile;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The two servers every hostile case is sent to: tlsloop on its event loop, and a JDK {@code
 * SSLServerSocket} whose answer is the reference.
 */
abstract class TwoServers {
  static LoopServer loop;
  static JdkServer jdk;

  @BeforeAll
  static void startServers() throws Exception {
    loop = new LoopServer(Hostile.serverConfig());
    jdk = new JdkServer(Hostile.serverContext());
  }

  @AfterAll
  static void stopServers() throws Exception {
    loop.close();
    jdk.close();
  }
}
