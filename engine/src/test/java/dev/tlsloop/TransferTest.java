package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tlsloop.testkit.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Handshake and transfer of 0 B, 1 B, 1 MiB and 64 MiB each way at once, TLS 1.2 and 1.3, over
 * loopback sockets: this engine on both ends, and against the JDK's SSLSocket/SSLServerSocket in
 * either role; with the blocking facade and with a Selector-driven non-blocking loop.
 */
class TransferTest {
  enum Mode {
    BLOCKING,
    NON_BLOCKING
  }

  enum Peer {
    TLSLOOP,
    JDK_SERVER,
    JDK_CLIENT
  }

  private static TestPki pki;
  private static TestPki.Identity localhost;
  private static ExecutorService threads;

  @BeforeAll
  static void setUp() throws Exception {
    pki = TestPki.create();
    localhost = pki.issue("localhost");
    threads = Executors.newCachedThreadPool();
  }

  @AfterAll
  static void tearDown() {
    threads.shutdownNow();
  }

  static Stream<Arguments> cases() {
    List<Arguments> list = new ArrayList<>();
    for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
      for (long size : new long[] {0, 1, 1 << 20, 64L << 20}) {
        for (Mode mode : Mode.values()) {
          for (Peer peer : Peer.values()) {
            list.add(Arguments.of(protocol, size, mode, peer));
          }
        }
      }
    }
    return list.stream();
  }

  @ParameterizedTest(name = "{0} {1} bytes each way, {2}, peer {3}")
  @MethodSource("cases")
  void everyByteArrivesInOrderBothWays(String protocol, long size, Mode mode, Peer peer)
      throws Exception {
    Payload fromClient = new Payload(1, size);
    Payload fromServer = new Payload(2, size);
    try (ServerSocketChannel listener =
        ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      TlsConfig client =
          TlsConfig.client("localhost", port)
              .sslContext(pki.clientContext())
              .protocols(protocol)
              .build();
      TlsConfig server = TlsConfig.server(pki.serverContext(localhost)).protocols(protocol).build();
      switch (peer) {
        case TLSLOOP:
          {
            SocketChannel c = SocketChannel.open(listener.getLocalAddress());
            SocketChannel s = listener.accept();
            if (mode == Mode.BLOCKING) {
              Future<?> srv =
                  threads.submit(() -> blockingSide(server.newChannel(s), fromServer, fromClient));
              blockingSide(client.newChannel(c), fromClient, fromServer);
              srv.get(60, TimeUnit.SECONDS);
            } else {
              SelectorDriver d = new SelectorDriver();
              SelectorDriver.Endpoint ce =
                  new SelectorDriver.Endpoint(
                      client.newConnection(c), c, fromClient, fromServer, 16384);
              SelectorDriver.Endpoint se =
                  new SelectorDriver.Endpoint(
                      server.newConnection(s), s, fromServer, fromClient, 16384);
              d.add(ce);
              d.add(se);
              d.run(Duration.ofSeconds(60));
              assertEquals(TlsState.CLOSED, ce.finalState);
              assertEquals(TlsState.CLOSED, se.finalState);
            }
            break;
          }
        case JDK_SERVER:
          {
            SSLServerSocket ss = jdkServerSocket(pki.serverContext(localhost), protocol);
            Future<?> srv =
                threads.submit(() -> jdkSide(acceptQuietly(ss), fromServer, fromClient, false));
            SocketChannel c = SocketChannel.open(ss.getLocalSocketAddress());
            runOurSide(client, c, mode, fromClient, fromServer);
            srv.get(60, TimeUnit.SECONDS);
            ss.close();
            break;
          }
        case JDK_CLIENT:
        default:
          {
            SSLContext ctx = pki.clientContext();
            Future<?> cli =
                threads.submit(
                    () -> {
                      SSLSocket sock =
                          (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port);
                      sock.setEnabledProtocols(new String[] {protocol});
                      jdkSide(sock, fromClient, fromServer, true);
                      return null;
                    });
            SocketChannel s = listener.accept();
            runOurSide(server, s, mode, fromServer, fromClient);
            cli.get(60, TimeUnit.SECONDS);
            break;
          }
      }
    }
  }

  private static void runOurSide(
      TlsConfig config, SocketChannel ch, Mode mode, Payload send, Payload expect)
      throws Exception {
    if (mode == Mode.BLOCKING) {
      blockingSide(config.newChannel(ch), send, expect);
    } else {
      SelectorDriver d = new SelectorDriver();
      SelectorDriver.Endpoint e =
          new SelectorDriver.Endpoint(config.newConnection(ch), ch, send, expect, 16384);
      d.add(e);
      d.run(Duration.ofSeconds(60));
      assertEquals(TlsState.CLOSED, e.finalState);
    }
  }

  /** Sends on a second thread while reading here; the client closes first, the server after -1. */
  private static Void blockingSide(TlsChannel ch, Payload send, Payload expect) throws Exception {
    ch.setTimeout(Duration.ofSeconds(60));
    ch.handshake(); // a 0-byte conversation still handshakes
    Future<?> writer =
        threads.submit(
            () -> {
              ByteBuffer buf = ByteBuffer.allocate(16384);
              long off = 0;
              while (off < send.length()) {
                buf.clear();
                off += send.fill(buf, off);
                buf.flip();
                ch.write(buf);
              }
              return null;
            });
    ByteBuffer in = ByteBuffer.allocate(20000);
    long received = 0;
    boolean client = ch.connection().isClient();
    while (received < expect.length()) {
      in.clear();
      int n = ch.read(in);
      if (n < 0) {
        throw new AssertionError("EOF after " + received + " of " + expect.length());
      }
      in.flip();
      expect.verify(in, received);
      received += n;
    }
    writer.get(60, TimeUnit.SECONDS);
    if (client) {
      ch.shutdownOutput();
    }
    in.clear();
    assertEquals(-1, ch.read(in), "close_notify ends the stream");
    TlsState end = ch.connection().state();
    ch.close();
    assertEquals(TlsState.CLOSED, client ? end : ch.connection().state());
    return null;
  }

  private static SSLServerSocket jdkServerSocket(SSLContext ctx, String protocol)
      throws IOException {
    SSLServerSocket ss =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
    ss.setEnabledProtocols(new String[] {protocol});
    return ss;
  }

  private static SSLSocket acceptQuietly(SSLServerSocket ss) {
    try {
      return (SSLSocket) ss.accept();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The JDK's blocking SSLSocket as the other end, with the same close script. */
  private static Void jdkSide(SSLSocket sock, Payload send, Payload expect, boolean client)
      throws Exception {
    sock.setSoTimeout(60_000);
    sock.startHandshake();
    Future<?> writer =
        threads.submit(
            () -> {
              OutputStream out = sock.getOutputStream();
              ByteBuffer buf = ByteBuffer.allocate(16384);
              long off = 0;
              while (off < send.length()) {
                buf.clear();
                off += send.fill(buf, off);
                out.write(buf.array(), 0, buf.position());
              }
              out.flush();
              return null;
            });
    InputStream in = sock.getInputStream();
    byte[] b = new byte[20000];
    long received = 0;
    while (received < expect.length()) {
      int n = in.read(b);
      if (n < 0) {
        throw new AssertionError("EOF after " + received + " of " + expect.length());
      }
      expect.verify(ByteBuffer.wrap(b, 0, n), received);
      received += n;
    }
    writer.get(60, TimeUnit.SECONDS);
    if (client) {
      sock.shutdownOutput(); // SSLSocket sends close_notify
    }
    assertEquals(-1, in.read(b), "close_notify ends the stream");
    sock.close();
    return null;
  }
}
