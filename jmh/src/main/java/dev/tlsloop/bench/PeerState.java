package dev.tlsloop.bench;

import dev.tlsloop.bench.peer.Fixture;
import dev.tlsloop.bench.peer.Peer;
import dev.tlsloop.bench.peer.Peers;
import java.io.IOException;

/** Shared set-up: one peer, its server started, one client connection, what it negotiated. */
abstract class PeerState {
  Fixture fixture;
  Peer impl;
  Peer.Connection connection;

  /** {@link #open(String, Peer.ServerMode, String)} over TLS 1.3. */
  final void open(String name, Peer.ServerMode mode) throws Exception {
    open(name, mode, Fixture.TLS13);
  }

  /**
   * Starts {@code name}'s server in {@code mode} pinned to {@code protocol} and connects one
   * client; prints the session.
   */
  final void open(String name, Peer.ServerMode mode, String protocol) throws Exception {
    fixture = Fixture.create(protocol);
    impl = Peers.create(name);
    impl.start(fixture, mode);
    connection = impl.connect();
    System.out.println();
    System.out.println("# " + name + " negotiated: " + connection.negotiated());
  }

  final void shut() throws IOException {
    try {
      if (connection != null) {
        connection.close();
      }
    } finally {
      if (impl != null) {
        impl.close();
      }
    }
  }
}
