package dev.tlsloop;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLSession;

/**
 * An engine with the bug of JDK-8263779: it keeps asking NEED_WRAP and its wraps produce nothing.
 * Everything else is delegated to a real engine, so sizes and sessions look normal.
 */
final class StuckEngine extends SSLEngine {
  private final SSLEngine real;
  int wraps;

  StuckEngine(SSLEngine real) {
    this.real = real;
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) {
    wraps++;
    return new SSLEngineResult(Status.OK, HandshakeStatus.NEED_WRAP, 0, 0);
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) {
    return new SSLEngineResult(Status.OK, HandshakeStatus.NEED_WRAP, 0, 0);
  }

  @Override
  public HandshakeStatus getHandshakeStatus() {
    return HandshakeStatus.NEED_WRAP;
  }

  @Override
  public Runnable getDelegatedTask() {
    return null;
  }

  @Override
  public void beginHandshake() {}

  @Override
  public void closeInbound() {}

  @Override
  public boolean isInboundDone() {
    return false;
  }

  @Override
  public void closeOutbound() {}

  @Override
  public boolean isOutboundDone() {
    return false;
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return real.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return real.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {
    real.setEnabledCipherSuites(suites);
  }

  @Override
  public String[] getSupportedProtocols() {
    return real.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return real.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {
    real.setEnabledProtocols(protocols);
  }

  @Override
  public SSLSession getSession() {
    return real.getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return null;
  }

  @Override
  public void setUseClientMode(boolean mode) {
    real.setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return real.getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {
    real.setNeedClientAuth(need);
  }

  @Override
  public boolean getNeedClientAuth() {
    return real.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {
    real.setWantClientAuth(want);
  }

  @Override
  public boolean getWantClientAuth() {
    return real.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {
    real.setEnableSessionCreation(flag);
  }

  @Override
  public boolean getEnableSessionCreation() {
    return real.getEnableSessionCreation();
  }
}
