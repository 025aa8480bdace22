package dev.tlsloop.props;

import dev.tlsloop.BufferAllocator;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.testkit.TestPki;
import java.security.GeneralSecurityException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * Shared certificates and configs. One client and one server {@link SSLContext} for the whole run,
 * so later connections resume sessions from the TLS 1.3 tickets earlier ones received.
 */
final class Fixtures {
  private static TestPki pki;
  private static SSLContext clientContext;
  private static SSLContext serverContext;
  private static final Map<String, TlsConfig> CONFIGS = new ConcurrentHashMap<>();

  private Fixtures() {}

  private static synchronized void init() throws GeneralSecurityException {
    if (clientContext == null) {
      pki = TestPki.create("tlsloop props CA");
      serverContext = pki.serverContext(pki.issue("localhost"));
      clientContext = pki.clientContext();
    }
  }

  /** A config for one role, protocol, allocator and release policy, built once. */
  static TlsConfig config(boolean client, String protocol, boolean directBuffers, boolean release)
      throws GeneralSecurityException {
    init();
    String key = client + "/" + protocol + "/" + directBuffers + "/" + release;
    TlsConfig c = CONFIGS.get(key);
    if (c == null) {
      TlsConfig.Builder b =
          client
              ? TlsConfig.client("localhost", 4433).sslContext(clientContext)
              : TlsConfig.server(serverContext);
      c =
          b.protocols(protocol)
              .allocator(directBuffers ? BufferAllocator.DIRECT : BufferAllocator.HEAP)
              .releaseBuffersWhenIdle(release)
              .build();
      CONFIGS.put(key, c);
    }
    return c;
  }

  /**
   * A client config with a context of its own: a full handshake with no session to resume, so that
   * two runs of the same schedule put the same bytes at the same offsets (faults are aimed at
   * offsets measured in a clean run).
   */
  static TlsConfig freshClient(String protocol) throws GeneralSecurityException {
    init();
    return TlsConfig.client("localhost", 4433)
        .sslContext(pki.clientContext())
        .protocols(protocol)
        .build();
  }

  /**
   * Runs {@code body} on its own daemon thread and fails if it takes longer than {@code seconds}: a
   * spin inside a connection call would otherwise hang the whole suite (jqwik has no timeout).
   */
  static <T> T withinSeconds(long seconds, java.util.concurrent.Callable<T> body) throws Exception {
    FutureTask<T> task = new FutureTask<>(body);
    Thread t = new Thread(task, "props-try");
    t.setDaemon(true);
    t.start();
    try {
      return task.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      StringBuilder sb = new StringBuilder();
      for (StackTraceElement el : t.getStackTrace()) {
        sb.append("\n    at ").append(el);
      }
      t.interrupt();
      throw new AssertionError("hang: the try did not finish within " + seconds + " s" + sb);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw e;
    }
  }
}
