/** tlsloop: an explicit SSLEngine state machine over java.nio channels. */
module dev.tlsloop {
  exports dev.tlsloop;
}
