package dev.tlsloop.demo;

import dev.tlsloop.RenegotiationPolicy;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.loop.LoopOptions;
import dev.tlsloop.loop.LoopStats;
import dev.tlsloop.loop.TlsHandler;
import dev.tlsloop.loop.TlsLoopGroup;
import dev.tlsloop.trace.TlsTrace;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo server}: a TLS echo (or {@code --http}) server on the engine's event loops ({@link
 * TlsLoopGroup}), with a certificate from PEM files, a PKCS12 file, or generated at start-up. The
 * loops own the limits (connection cap, backlog, handshake slots) and every connection's deadlines;
 * the demo only supplies the handlers and says what happened.
 */
final class DemoServer implements Closeable {
  /** The server's settings, from the command line. */
  @Command(
      name = "server",
      separator = " ",
      synopsisHeading = "usage: ",
      customSynopsis = "demo server [options]%n",
      description = {
        "A TLS echo (or --http) server.",
        "Ctrl-C stops it: the port closes, every open connection gets close_notify and up to "
            + SHUTDOWN_GRACE_SECONDS
            + " s to answer it.",
        ""
      })
  static final class Options implements Cli.Checked {
    @Option(
        names = "--port",
        paramLabel = "N",
        description = "port to listen on (default ${DEFAULT-VALUE}; 0 picks a free one)")
    int port = 8443;

    @Option(
        names = "--bind",
        paramLabel = "ADDR",
        description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind = "127.0.0.1";

    @Option(
        names = "--http",
        description = "speak HTTP/1.1 (for curl and browsers) instead of echo")
    boolean http;

    @Option(
        names = "--cert",
        paramLabel = "FILE",
        description =
            "certificate chain (PEM; needs --key; default: generate a CA and a localhost"
                + " certificate)")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "its private key (PEM)")
    Path key;

    @Option(
        names = "--keystore",
        paramLabel = "FILE",
        description = "certificate and key from a PKCS12 file (needs --storepass)")
    Path keystore;

    char[] storepass;

    @Option(
        names = "--ca-out",
        paramLabel = "FILE",
        description = "where to write the generated CA certificate (PEM)")
    Path caOut;

    @Option(names = "--need-client-auth", description = "require a client certificate (mutual TLS)")
    boolean needClientAuth;

    @Option(
        names = "--client-ca",
        paramLabel = "FILE",
        description =
            "CAs trusted for client certificates (PEM; default: the generated CA, which then"
                + " also issues a client certificate)")
    Path clientCa;

    String[] protocols;

    String[] alpn;

    @Option(names = "--trace", description = "print an annotated trace of every connection")
    boolean trace;

    @Option(
        names = "--max-conns",
        paramLabel = "N",
        description =
            "connections held at most (default ${DEFAULT-VALUE}), split evenly over the loops"
                + " (each takes N/loops, rounded up); at the cap a new connection evicts the"
                + " longest-handshaking one, or is refused if none is handshaking")
    int maxConns = 10_000;

    @Option(
        names = "--idle-timeout",
        paramLabel = "SECONDS",
        description = "close a connection idle this long (default ${DEFAULT-VALUE}; 0: never)")
    int idleTimeout = (int) TlsConfig.DEFAULT_SERVER_IDLE_TIMEOUT.toSeconds();

    @Option(
        names = "--handshake-timeout",
        paramLabel = "SECONDS",
        description =
            "drop a client whose handshake has not finished after this long (default"
                + " ${DEFAULT-VALUE}; 0: never)")
    int handshakeTimeout = (int) TlsConfig.DEFAULT_HANDSHAKE_TIMEOUT.toSeconds();

    @Option(
        names = "--loops",
        paramLabel = "N",
        description = "event loops, one thread each (default: one per CPU, ${DEFAULT-VALUE} here)")
    int loops = LoopOptions.DEFAULT_LOOPS;

    @Option(
        names = "--backlog",
        paramLabel = "N",
        description = "connections the kernel queues before accept (default ${DEFAULT-VALUE})")
    int backlog = LoopOptions.DEFAULT_BACKLOG;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "show this help and exit")
    boolean help;

    @Option(names = "--storepass", paramLabel = "PASS", description = "the PKCS12 file's password")
    void setStorepass(String pass) {
      storepass = pass.toCharArray();
    }

    @Option(names = "--tls1.2", description = "only TLS 1.2 (the last of --tls1.2/--tls1.3 wins)")
    void setTls12(boolean on) {
      protocols = new String[] {"TLSv1.2"};
    }

    @Option(names = "--tls1.3", description = "only TLS 1.3")
    void setTls13(boolean on) {
      protocols = new String[] {"TLSv1.3"};
    }

    @Option(
        names = "--alpn",
        paramLabel = "P1,P2",
        description = "ALPN protocols accepted, in preference order")
    void setAlpn(String list) {
      alpn = list.split(",");
    }

    @Option(
        names = "--renegotiation",
        paramLabel = "POLICY",
        description =
            "TLS 1.2 renegotiations a client may start: refuse (default), allow, or a number per"
                + " connection")
    String renegotiation = "refuse";

    /** The --renegotiation value as a policy (check() has validated it). */
    RenegotiationPolicy renegotiationPolicy() {
      switch (renegotiation) {
        case "refuse":
          return RenegotiationPolicy.refuse();
        case "allow":
          return RenegotiationPolicy.allow();
        default:
          return RenegotiationPolicy.allowUpTo(Integer.parseInt(renegotiation));
      }
    }

    static Options parse(List<String> argv) throws Cli.UsageException {
      return Cli.parse(new Options(), argv);
    }

    @Override
    public void check() throws Cli.UsageException {
      if (port < 0 || port > 65535) {
        throw new Cli.UsageException("--port must be between 0 and 65535: " + port);
      }
      if ((cert == null) != (key == null)) {
        throw new Cli.UsageException("--cert and --key go together");
      }
      if (keystore != null && storepass == null) {
        throw new Cli.UsageException("--keystore needs --storepass");
      }
      if (keystore != null && cert != null) {
        throw new Cli.UsageException("use either --cert/--key or --keystore");
      }
      if (!renegotiation.matches("refuse|allow|[0-9]{1,9}")) {
        throw new Cli.UsageException(
            "--renegotiation must be refuse, allow or a number: " + renegotiation);
      }
      positive("--max-conns", maxConns);
      positive("--loops", loops);
      positive("--backlog", backlog);
      seconds("--idle-timeout", idleTimeout);
      seconds("--handshake-timeout", handshakeTimeout);
      if (clientCa != null && !needClientAuth) {
        throw new Cli.UsageException("--client-ca only makes sense with --need-client-auth");
      }
      if (needClientAuth && clientCa == null && (cert != null || keystore != null)) {
        throw new Cli.UsageException(
            "--need-client-auth with your own certificate needs --client-ca");
      }
    }

    /** The connection cap of each loop: {@code --max-conns} split over the loops, rounded up. */
    int maxConnsPerLoop() {
      return (maxConns + loops - 1) / loops;
    }

    /** The loops' limits from the command line. */
    LoopOptions loopOptions() {
      return LoopOptions.builder()
          .loops(loops)
          .maxConnections(maxConnsPerLoop())
          .backlog(backlog)
          .build();
    }

    private static void positive(String name, int n) throws Cli.UsageException {
      if (n < 1) {
        throw new Cli.UsageException(name + " must be at least 1: " + n);
      }
    }

    private static void seconds(String name, int n) throws Cli.UsageException {
      if (n < 0 || n > 86400) {
        throw new Cli.UsageException(name + " must be between 0 and 86400: " + n);
      }
    }
  }

  /** How long a shutdown waits for the clients' close_notify before it aborts the rest. */
  static final int SHUTDOWN_GRACE_SECONDS = 5;

  /** {@link #SHUTDOWN_GRACE_SECONDS} as a duration. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(SHUTDOWN_GRACE_SECONDS);

  private final TlsLoopGroup loops;
  private final TlsConfig config;
  private final InetSocketAddress address;
  private final Path caFile;
  private final KeyStore trustStore;
  private final KeyStore clientKeys;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean closed;

  private DemoServer(
      TlsLoopGroup loops,
      TlsConfig config,
      InetSocketAddress address,
      Path caFile,
      KeyStore trustStore,
      KeyStore clientKeys) {
    this.loops = loops;
    this.config = config;
    this.address = address;
    this.caFile = caFile;
    this.trustStore = trustStore;
    this.clientKeys = clientKeys;
  }

  /**
   * Builds the certificate, starts the loops and listens. Prints the listening line first, then
   * (with a generated certificate and mutual TLS) where the client certificate is.
   */
  static DemoServer start(Options o, PrintStream out, PrintStream err)
      throws IOException, GeneralSecurityException {
    KeyStore keys;
    KeyStore clientTrust = null;
    Path caFile = null;
    KeyStore generatedTrust = null;
    KeyStore clientKeys = null;
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
        clientKeys = pki.issue("tlsloop demo client");
        DemoPki.writePem(clientKeys, clientCert, clientKey);
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
    TlsConfig.Builder b =
        TlsConfig.server(keys, pass)
            .handshakeTimeout(Duration.ofSeconds(o.handshakeTimeout))
            .idleTimeout(Duration.ofSeconds(o.idleTimeout))
            .renegotiation(o.renegotiationPolicy());
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
    Supplier<TlsHandler> app = o.http ? HttpHandler::new : EchoHandler::new;
    TlsLoopGroup loops = TlsLoopGroup.start(o.loopOptions());
    InetSocketAddress address;
    try {
      address =
          loops.listen(
              config,
              new InetSocketAddress(o.bind, o.port),
              () ->
                  new ReportingHandler(
                      app.get(), err, o.trace ? new TlsTrace("server", out::println) : null));
    } catch (IOException | RuntimeException e) {
      loops.close();
      throw e;
    }
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
    return new DemoServer(loops, config, address, caFile, generatedTrust, clientKeys);
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

  /**
   * The client certificate and key the generated CA issued for {@code --need-client-auth} (password
   * {@link DemoPki#PASSWORD}), or null.
   */
  KeyStore clientKeyStore() {
    return clientKeys;
  }

  /** Open connections right now. */
  int connectionCount() {
    return loops.stats().connections();
  }

  /** The counters of all loops. */
  LoopStats stats() {
    return loops.stats();
  }

  /** The number of loops running. */
  int loopCount() {
    return loops.loopStats().size();
  }

  /** The loops' limits in effect. */
  LoopOptions loopOptions() {
    return loops.options();
  }

  /** The TLS settings every accepted connection gets (its deadlines among them). */
  TlsConfig config() {
    return config;
  }

  /** Blocks until {@link #close()} has finished. */
  void awaitTermination() throws InterruptedException {
    stopped.await();
  }

  /**
   * Stops gracefully: the port closes, every open connection sends what is queued and close_notify;
   * those that have not closed after {@link #SHUTDOWN_GRACE} are aborted.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      loops.shutdown(SHUTDOWN_GRACE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }

  /** Runs {@code demo server} in the foreground until Ctrl-C. */
  static int run(List<String> argv, PrintStream out, PrintStream err) {
    Options o = new Options();
    OptionalInt done = Cli.parse(o, argv, out, err);
    if (done.isPresent()) {
      return done.getAsInt();
    }
    LoopLog.install(err);
    DemoServer server;
    try {
      server = start(o, out, err);
    } catch (IOException | GeneralSecurityException e) {
      err.println("error: cannot start the server: " + e.getMessage());
      return Failure.OTHER.exitCode;
    }
    // Ctrl-C: the hook shuts the loops down; they send close_notify on every connection.
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
}
