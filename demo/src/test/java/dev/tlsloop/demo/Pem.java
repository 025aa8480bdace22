package dev.tlsloop.demo;

import dev.tlsloop.testkit.TestPki;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** PEM files for the real peers: a CA, a server certificate for localhost and a client one. */
final class Pem {
  final TestPki pki;
  final Path ca;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;

  private Pem(Path dir, String caName, String... serverNames) throws Exception {
    pki = TestPki.create(caName);
    String prefix = caName.replaceAll("\\W", "");
    ca = dir.resolve(prefix + "-ca.pem");
    serverCert = dir.resolve(prefix + "-server-cert.pem");
    serverKey = dir.resolve(prefix + "-server-key.pem");
    clientCert = dir.resolve(prefix + "-client-cert.pem");
    clientKey = dir.resolve(prefix + "-client-key.pem");
    pki.writeCaPem(ca);
    pki.issue(serverNames).writePem(serverCert, serverKey);
    pki.issue("tlsloop test client").writePem(clientCert, clientKey);
  }

  /** A CA with a server certificate for localhost and 127.0.0.1, and a client certificate. */
  static Pem localhost(Path dir) throws Exception {
    return new Pem(dir, "tlsloop test CA", "localhost", "127.0.0.1");
  }

  /** Like {@link #localhost} with another CA name and other server names. */
  static Pem of(Path dir, String caName, String... serverNames) throws Exception {
    return new Pem(dir, caName, serverNames);
  }

  /**
   * {@code openssl s_server} on a free loopback port with this server certificate, for {@code
   * connections} connections, with {@code extra} options after the common ones.
   */
  ExternalProcess sServer(int connections, List<String> extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "openssl",
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-naccept",
                String.valueOf(connections),
                "-cert",
                serverCert.toString(),
                "-key",
                serverKey.toString()));
    cmd.addAll(extra);
    return ExternalProcess.start(cmd);
  }
}
