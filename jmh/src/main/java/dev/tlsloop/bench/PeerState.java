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

  /** Starts {@code name}'s server in {@code mode} and connects one client; prints the session. */
  final void open(String name, Peer.ServerMode mode) throws Exception {
    fixture = Fixture.create();
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
