package dev.tlsloop.demo;

import dev.tlsloop.TlsChannel;
import dev.tlsloop.TlsConfig;
import dev.tlsloop.TlsConnection;
import dev.tlsloop.trace.TlsTrace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code demo client}: what Python's ssl client example does, over tlsloop. Default trust store,
 * SNI and host-name verification; connect, send a message, print the reply until the server closes,
 * close with close_notify. Every failure ends with one line from {@link Failure} and its exit code.
 * The one-shot modes use the blocking {@code TlsChannel}; {@code --stdin} runs on an event loop
 * ({@link InteractiveClient}).
 */
final class DemoClient {
  static final String DEFAULT_MESSAGE = "Hello, server!";

  /** The client's settings, from the command line. */
  @Command(
      name = "client",
      separator = " ",
      synopsisHeading = "usage: ",
      customSynopsis = "demo client [options] [HOST [PORT]]%n",
      description = {
        "Sends a message and prints the reply until the server's close_notify.",
        "No HOST: starts the demo server in-process on a free port, with a fresh CA that the"
            + " client trusts explicitly; verification stays on.",
        ""
      },
      footer = {
        "",
        "Exit status: 0 after the server's close_notify, 2 for a bad command line, 3 to 10 per"
            + " kind of failure (see README)."
      })
  static final class Options implements Cli.Checked {
    @Parameters(index = "0", arity = "0..1", paramLabel = "HOST", description = "server name")
    String host;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "PORT",
        description = "server port (default ${DEFAULT-VALUE})")
    int port = 443;

    @Option(
        names = "--message",
        paramLabel = "TEXT",
        description = "what to send (default '${DEFAULT-VALUE}')")
    String message = DEFAULT_MESSAGE;

    @Option(
        names = "--http",
        paramLabel = "PATH",
        description = "send an HTTP/1.1 GET for PATH instead (Connection: close)")
    String httpPath;

    @Option(
        names = "--stdin",
        description = "interactive: send stdin as it arrives, print what arrives")
    boolean stdin;

    String[] protocols;

    @Option(
        names = "--cacert",
        paramLabel = "FILE",
        description = "trust the CAs in this PEM file instead of the default store")
    Path cacert;

    @Option(
        names = "--cert",
        paramLabel = "FILE",
        description = "client certificate for mutual TLS (PEM; needs --key)")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "its private key (PEM)")
    Path key;

    String[] alpn;

    Duration timeout = Duration.ofSeconds(10);

    @Option(names = "--insecure", description = "DANGEROUS: do not verify the server's certificate")
    boolean insecure;

    @Option(names = "--trace", description = "print an annotated trace of the connection")
    boolean trace;

    @Option(
        names = "--resume",
        description =
            "connect twice with one session cache, so that the second handshake resumes the"
                + " first session; --trace then traces the second connection only")
    boolean resume;

    @Option(
        names = "--client-auth",
        description =
            "no HOST only: the embedded server requires a client certificate, and the client"
                + " presents one its CA issued")
    boolean clientAuth;

    @Option(
        names = {"-h", "--help"},
        usageHelp = true,
        description = "show this help and exit")
    boolean help;

    @Option(names = "--tls1.2", description = "only TLS 1.2 (the last of --tls1.2/--tls1.3 wins)")
    void setTls12(boolean on) {
      protocols = new String[] {"TLSv1.2"};
    }

    @Option(names = "--tls1.3", description = "only TLS 1.3")
    void setTls13(boolean on) {
      protocols = new String[] {"TLSv1.3"};
    }

    @Option(names = "--alpn", paramLabel = "P1,P2", description = "offer these ALPN protocols")
    void setAlpn(String list) {
      alpn = list.split(",");
    }

    @Option(
        names = "--timeout",
        paramLabel = "SECONDS",
        description = "give up waiting for the server after this long (default 10)")
    void setTimeout(int seconds) {
      timeout = Duration.ofSeconds(seconds);
    }

    static Options parse(List<String> argv) throws Cli.UsageException {
      return Cli.parse(new Options(), argv);
    }

    @Override
    public void check() throws Cli.UsageException {
      if (timeout.isNegative() || timeout.getSeconds() > 86400) {
        throw new Cli.UsageException(
            "--timeout must be between 0 and 86400: " + timeout.getSeconds());
      }
      if (httpPath != null && !httpPath.startsWith("/")) {
        throw new Cli.UsageException("--http needs a path starting with /");
      }
      if (port < 1 || port > 65535) {
        throw new Cli.UsageException("PORT out of range: " + port);
      }
      if ((cert == null) != (key == null)) {
        throw new Cli.UsageException("--cert and --key go together");
      }
      if (stdin && httpPath != null) {
        throw new Cli.UsageException("use either --stdin or --http");
      }
      if (host == null && (cacert != null || insecure)) {
        throw new Cli.UsageException("--cacert/--insecure need a HOST");
      }
      if (clientAuth && (host != null || cert != null)) {
        throw new Cli.UsageException(
            "--client-auth is for the embedded server (no HOST, no --cert)");
      }
      if (resume && stdin) {
        throw new Cli.UsageException("use either --stdin or --resume");
      }
    }
  }

  private DemoClient() {}

  /** Runs {@code demo client}; returns the exit status. */
  static int run(List<String> argv, InputStream stdin, PrintStream out, PrintStream err) {
    Options o = new Options();
    OptionalInt done = Cli.parse(o, argv, out, err);
    return done.isPresent() ? done.getAsInt() : run(o, stdin, out, err);
  }

  /** Runs the client with parsed options; returns the exit status. */
  static int run(Options o, InputStream stdin, PrintStream out, PrintStream err) {
    DemoServer embedded = null;
    String host = o.host;
    int port = o.port;
    String peer = host + ":" + port;
    try {
      TlsConfig.Builder b;
      if (host == null) {
        DemoServer.Options so = new DemoServer.Options();
        so.port = 0;
        so.needClientAuth = o.clientAuth;
        embedded = DemoServer.start(so, new PrintStream(OutputStream.nullOutputStream()), err);
        host = "localhost";
        port = embedded.port();
        peer = host + ":" + port;
        err.println(
            "* no HOST given: started the demo server in-process on "
                + peer
                + "; trusting its fresh CA explicitly (verification stays on)");
        b = TlsConfig.client(host, port).trust(embedded.trustStore());
        if (o.clientAuth) {
          b.keyStore(embedded.clientKeyStore(), DemoPki.PASSWORD);
        }
      } else {
        b = TlsConfig.client(host, port);
      }
      if (o.cacert != null) {
        b.trust(DemoPki.readPemTrustStore(o.cacert));
      }
      if (o.cert != null) {
        b.keyStore(DemoPki.readPemKeyStore(o.cert, o.key), DemoPki.PASSWORD);
      }
      if (o.insecure) {
        err.println(
            "WARNING: --insecure: the server's certificate is NOT verified. Anyone on the path can"
                + " impersonate "
                + peer
                + " and read and change this connection.");
        b.insecureTrustAnyCertificate();
      }
      if (o.protocols != null) {
        b.protocols(o.protocols);
      }
      if (o.alpn != null) {
        b.alpn(o.alpn);
      }
      TlsTrace trace = o.trace ? new TlsTrace("client", out::println) : null;
      if (o.stdin) {
        if (trace != null) {
          b.listener(trace);
        }
        // Interactive: the timeout bounds the handshake only; then the user decides when it ends.
        b.handshakeTimeout(o.timeout);
        InteractiveClient.run(b.build(), host, port, o.timeout, stdin, out, err, trace);
        err.println("* server closed the connection with close_notify");
        return 0;
      }
      TlsConfig config = b.build();
      if (o.resume) {
        // One config, one SSLContext, one client session cache: the second connection offers
        // the ticket (TLS 1.3) or the session (TLS 1.2) the first one left there.
        int first = connectOnce(o, config, host, port, null, out, err);
        if (first != 0) {
          return first;
        }
        err.println("* connecting again with the same session cache (--resume)");
      }
      return connectOnce(o, config, host, port, trace, out, err);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      out.flush();
      err.println("error: " + Failure.describe(e, peer));
      return Failure.classify(e).exitCode;
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  /** One connection and its conversation; {@code trace} (null: none) hears every step of it. */
  private static int connectOnce(
      Options o,
      TlsConfig config,
      String host,
      int port,
      TlsTrace trace,
      PrintStream out,
      PrintStream err)
      throws IOException {
    TlsChannel channel = config.newChannel(connect(host, port, o.timeout));
    try {
      if (trace != null) {
        channel.connection().setListener(trace);
      }
      channel.setTimeout(o.timeout);
      return converse(o, host, port, channel, out, err);
    } finally {
      channel.close();
      if (trace != null) {
        trace.summary(channel.connection());
      }
      out.flush();
    }
  }

  private static SocketChannel connect(String host, int port, Duration timeout) throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    SocketChannel ch = SocketChannel.open();
    try {
      ch.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      ch.socket().setTcpNoDelay(true);
      return ch;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static int converse(
      Options o, String host, int port, TlsChannel channel, PrintStream out, PrintStream err)
      throws IOException {
    channel.handshake();
    describe(channel.connection(), host, port, err);
    if (o.httpPath != null) {
      String request =
          "GET "
              + o.httpPath
              + " HTTP/1.1\r\nHost: "
              + hostHeader(host, port)
              + "\r\nUser-Agent: tlsloop-demo\r\nAccept: */*\r\nConnection: close\r\n\r\n";
      writeFully(channel, request.getBytes(StandardCharsets.US_ASCII));
      copyUntilClosed(channel, out, false, o.trace);
    } else {
      writeFully(channel, o.message.getBytes(StandardCharsets.UTF_8));
      // Our close_notify says "that was all". Sent after the first reply, not at once: TLS 1.2
      // has no half-close, and a server that gets close_notify must answer with its own at once
      // and drop what it has not sent yet (RFC 5246 section 7.2.1).
      copyUntilClosed(channel, out, true, o.trace);
    }
    err.println("* server closed the connection with close_notify");
    return 0;
  }

  /**
   * Prints what arrives until the peer's close_notify; optionally half-closes after data. With a
   * trace on the same stream, every chunk ends its line so that trace lines stay whole.
   */
  private static void copyUntilClosed(
      TlsChannel channel, PrintStream out, boolean closeAfterData, boolean ownLines)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
    boolean shut = false;
    byte last = '\n';
    while (true) {
      buf.clear();
      int n = channel.read(buf);
      if (n < 0) {
        if (last != '\n') {
          out.println(); // end the reply's line, as a terminal user expects
        }
        out.flush();
        return;
      }
      last = buf.get(n - 1);
      out.write(buf.array(), 0, n);
      if (ownLines && last != '\n') {
        out.println();
        last = '\n';
      }
      out.flush();
      if (closeAfterData && !shut) {
        channel.shutdownOutput();
        shut = true;
      }
    }
  }

  private static void writeFully(TlsChannel channel, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  private static String hostHeader(String host, int port) {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return port == 443 ? h : h + ":" + port;
  }

  /** The "* connected to" line: protocol, suite, ALPN and the server certificate's subject. */
  static void describe(TlsConnection conn, String host, int port, PrintStream err) {
    String alpn = conn.applicationProtocol();
    List<X509Certificate> chain = conn.peerCertificates();
    String subject = chain.isEmpty() ? "(none)" : chain.get(0).getSubjectX500Principal().getName();
    err.println(
        "* connected to "
            + host
            + ":"
            + port
            + ": "
            + conn.protocol()
            + ", "
            + conn.cipherSuite()
            + ", ALPN "
            + (alpn == null || alpn.isEmpty() ? "none" : alpn)
            + ", server certificate "
            + subject);
  }
}
