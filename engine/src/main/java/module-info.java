/**
 * tlsloop: an explicit SSLEngine state machine over java.nio channels. {@link
 * dev.tlsloop.TlsConnection} is the non-blocking core, {@link dev.tlsloop.TlsChannel} the blocking
 * facade, {@link dev.tlsloop.TlsConfig} the builder.
 */
module dev.tlsloop {
  // Static: a runtime without JFR still loads this module; ConnectionEvents checks before use.
  requires static jdk.jfr;

  exports dev.tlsloop;
  exports dev.tlsloop.trace;
  exports dev.tlsloop.loop;
}
