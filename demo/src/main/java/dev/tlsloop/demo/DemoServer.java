package dev.tlsloop.demo;

import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.trace.TlsTrace;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code demo server}: a TLS echo (or {@code --http}) server on a {@link SelectorLoop}, with a
 * certificate from PEM files, a PKCS12 file, or generated at start-up.
 */
final class DemoServer implements Closeable {
  static final String USAGE =
      String.join(
          "\n",
          "usage: demo server [options]",
          "  --port N               port to listen on (default 8443; 0 picks a free one)",
          "  --bind ADDR            address to listen on (default 127.0.0.1)",
          "  --http                 speak HTTP/1.1 (for curl and browsers) instead of echo",
          "  --cert FILE --key FILE certificate chain and private key (PEM)",
          "  --keystore FILE --storepass PASS   certificate and key from a PKCS12 file",
          "                         (default: generate a CA and a localhost certificate)",
          "  --ca-out FILE          where to write the generated CA certificate (PEM)",
          "  --need-client-auth     require a client certificate (mutual TLS)",
          "  --client-ca FILE       CAs trusted for client certificates (PEM; default: the",
          "                         generated CA, which then also issues a client certificate)",
          "  --tls1.2 | --tls1.3    only this protocol version",
          "  --alpn P1,P2           ALPN protocols accepted, in preference order",
          "  --trace                print an annotated trace of every connection");

  /** The server's settings, from the command line. */
  static final class Options {
    int port = 8443;
    String bind = "127.0.0.1";
    boolean http;
    Path cert;
    Path key;
    Path keystore;
    char[] storepass;
    Path caOut;
    boolean needClientAuth;
    Path clientCa;
    String[] protocols;
    String[] alpn;
    boolean trace;

    static Options parse(List<String> argv) throws Args.UsageException {
      Options o = new Options();
      Args a = new Args(argv);
      while (a.hasNext()) {
        String arg = a.next();
        switch (arg) {
          case "--port":
            o.port = a.intValue(arg, 0, 65535);
            break;
          case "--bind":
            o.bind = a.value(arg);
            break;
          case "--http":
            o.http = true;
            break;
          case "--cert":
            o.cert = Path.of(a.value(arg));
            break;
          case "--key":
            o.key = Path.of(a.value(arg));
            break;
          case "--keystore":
            o.keystore = Path.of(a.value(arg));
            break;
          case "--storepass":
            o.storepass = a.value(arg).toCharArray();
            break;
          case "--ca-out":
            o.caOut = Path.of(a.value(arg));
            break;
          case "--need-client-auth":
            o.needClientAuth = true;
            break;
          case "--client-ca":
            o.clientCa = Path.of(a.value(arg));
            break;
          case "--tls1.2":
            o.protocols = new String[] {"TLSv1.2"};
            break;
          case "--tls1.3":
            o.protocols = new String[] {"TLSv1.3"};
            break;
          case "--alpn":
            o.alpn = a.value(arg).split(",");
            break;
          case "--trace":
            o.trace = true;
            break;
          default:
            a.positional(arg);
        }
      }
      if (!a.positionals().isEmpty()) {
        throw new Args.UsageException("unexpected argument " + a.positionals().get(0));
      }
      if ((o.cert == null) != (o.key == null)) {
        throw new Args.UsageException("--cert and --key go together");
      }
      if (o.keystore != null && o.storepass == null) {
        throw new Args.UsageException("--keystore needs --storepass");
      }
      if (o.keystore != null && o.cert != null) {
        throw new Args.UsageException("use either --cert/--key or --keystore");
      }
      if (o.clientCa != null && !o.needClientAuth) {
        throw new Args.UsageException("--client-ca only makes sense with --need-client-auth");
      }
      if (o.needClientAuth && o.clientCa == null && (o.cert != null || o.keystore != null)) {
        throw new Args.UsageException(
            "--need-client-auth with your own certificate needs --client-ca");
      }
      return o;
    }
  }

  private final SelectorLoop loop;
  private final Thread thread;
  private final InetSocketAddress address;
  private final Path caFile;
  private final KeyStore trustStore;

  private DemoServer(
      SelectorLoop loop, InetSocketAddress address, Path caFile, KeyStore trustStore) {
    this.loop = loop;
    this.address = address;
    this.caFile = caFile;
    this.trustStore = trustStore;
    this.thread = new Thread(loop, "tlsloop-demo-server");
  }

  /**
   * Builds the certificate, binds and starts the loop on its own thread. Prints the listening line
   * first, then (with a generated certificate and mutual TLS) where the client certificate is.
   */
  static DemoServer start(Options o, PrintStream out, PrintStream err)
      throws IOException, GeneralSecurityException {
    KeyStore keys;
    KeyStore clientTrust = null;
    Path caFile = null;
    KeyStore generatedTrust = null;
    String extra = null;
    if (o.cert != null) {
      keys = DemoPki.readPemKeyStore(o.cert, o.key);
    } else if (o.keystore != null) {
      keys = DemoPki.readPkcs12(o.keystore, o.storepass);
    } else {
      DemoPki pki = DemoPki.create("tlsloop demo CA");
      keys = pki.issue("localhost", "127.0.0.1", "::1");
      caFile = o.caOut != null ? o.caOut : Files.createTempFile("tlsloop-ca-", ".pem");
      pki.writeCaPem(caFile);
      generatedTrust = pki.trustStore();
      if (o.needClientAuth && o.clientCa == null) {
        clientTrust = generatedTrust;
        Path clientCert = sibling(caFile, "client-cert");
        Path clientKey = sibling(caFile, "client-key");
        DemoPki.writePem(pki.issue("tlsloop demo client"), clientCert, clientKey);
        extra =
            "client certificate for --need-client-auth: --cert "
                + clientCert
                + " --key "
                + clientKey;
      }
    }
    if (o.clientCa != null) {
      clientTrust = DemoPki.readPemTrustStore(o.clientCa);
    }
    char[] pass = o.keystore != null ? o.storepass : DemoPki.PASSWORD;
    TlsConfig.Builder b = TlsConfig.server(keys, pass);
    if (o.needClientAuth) {
      b.clientAuth(TlsConfig.ClientAuth.NEED).trust(clientTrust);
    }
    if (o.protocols != null) {
      b.protocols(o.protocols);
    }
    if (o.alpn != null) {
      b.alpn(o.alpn);
    }
    TlsConfig config = b.build();
    SelectorLoop loop =
        new SelectorLoop(
            config,
            new InetSocketAddress(o.bind, o.port),
            o.http ? HttpHandler::new : EchoHandler::new,
            o.trace ? id -> traceHook("server", out) : id -> null,
            err);
    InetSocketAddress address = loop.address();
    String host = address.getAddress().getHostAddress();
    out.println(
        "listening on "
            + (host.contains(":") ? "[" + host + "]" : host)
            + ":"
            + address.getPort()
            + " (TLS"
            + (caFile != null ? "; CA certificate: " + caFile : "")
            + ")");
    out.println(
        (o.http ? "speaking HTTP/1.1" : "echoing")
            + (o.needClientAuth ? ", client certificate required" : "")
            + "; Ctrl-C stops");
    if (extra != null) {
      out.println(extra);
    }
    out.flush();
    DemoServer server = new DemoServer(loop, address, caFile, generatedTrust);
    server.thread.start();
    return server;
  }

  /** The address the server listens on. */
  InetSocketAddress address() {
    return address;
  }

  /** The port it listens on. */
  int port() {
    return address.getPort();
  }

  /** The generated CA's PEM file, or null when the certificate came from the command line. */
  Path caFile() {
    return caFile;
  }

  /** A trust store with the generated CA, or null. */
  KeyStore trustStore() {
    return trustStore;
  }

  /** Open connections right now. */
  int connectionCount() {
    return loop.connectionCount();
  }

  /** Blocks until the loop ends. */
  void awaitTermination() throws InterruptedException {
    thread.join();
  }

  /** Stops: every open connection gets close_notify, then the port is closed. */
  @Override
  public void close() {
    loop.close();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs {@code demo server} in the foreground until Ctrl-C. */
  static int run(List<String> argv, PrintStream out, PrintStream err) {
    Options o;
    try {
      o = Options.parse(argv);
    } catch (Args.UsageException e) {
      err.println("error: " + e.getMessage());
      err.println(USAGE);
      return Failure.USAGE.exitCode;
    }
    DemoServer server;
    try {
      server = start(o, out, err);
    } catch (IOException | GeneralSecurityException e) {
      err.println("error: cannot start the server: " + e.getMessage());
      return Failure.OTHER.exitCode;
    }
    // Ctrl-C: the hook wakes the selector; the loop sends close_notify on every connection.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  err.println("server stopped");
                },
                "tlsloop-demo-shutdown"));
    try {
      server.awaitTermination();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static Path sibling(Path caFile, String what) {
    String name = caFile.getFileName().toString();
    String stem = name.endsWith(".pem") ? name.substring(0, name.length() - 4) : name;
    return caFile.resolveSibling(stem.replace("-ca", "") + "-" + what + ".pem");
  }

  private static SelectorLoop.TlsTraceHook traceHook(String side, PrintStream out) {
    TlsTrace trace = new TlsTrace(side, out::println);
    return new SelectorLoop.TlsTraceHook() {
      @Override
      public void attach(TlsConnection conn) {
        conn.setListener(trace);
      }

      @Override
      public void summary(TlsConnection conn) {
        trace.summary(conn);
      }
    };
  }
}
