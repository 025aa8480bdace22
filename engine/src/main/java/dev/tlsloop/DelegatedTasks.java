package dev.tlsloop;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * Runs the engine's delegated tasks (the JDK hands out certificate path checks and key exchange
 * arithmetic through {@link SSLEngine#getDelegatedTask()} when it says NEED_TASK): all of them
 * inline on the caller's thread, or one at a time on the configured executor.
 *
 * <p>Whether a task runs on the executor is the one fact of a connection that another thread
 * writes: the executor's, when the task ends. It lives here, not in the connection's {@link
 * Lifecycle}, which only the connection's own thread changes.
 */
final class DelegatedTasks {
  private final TlsConnection owner;

  /** A task was handed to the executor and has not finished. */
  private volatile boolean running;

  /** Called on the executor's thread after a task ends; null for none. */
  private volatile Runnable onDone;

  DelegatedTasks(TlsConnection owner) {
    this.owner = owner;
  }

  boolean running() {
    return running;
  }

  void onDone(Runnable callback) {
    this.onDone = callback;
  }

  /** Runs every task {@code engine} hands out, on the caller's thread. */
  void runInline(SSLEngine engine) {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      long t0 = System.nanoTime();
      task.run();
      owner.taskRan(System.nanoTime() - t0, false);
    }
  }

  /**
   * Hands {@code engine}'s next task to {@code executor}; returns false if it had none. One task
   * per hand-off: the engine is not driven until it ends (driving it meanwhile returns NEED_TASK
   * 0/0 forever, a spin), then the callback wakes the loop.
   */
  boolean handOff(SSLEngine engine, Executor executor) throws SSLException {
    Runnable task = engine.getDelegatedTask();
    if (task == null) {
      return false;
    }
    running = true;
    try {
      executor.execute(() -> runHandedOff(task));
    } catch (RejectedExecutionException e) {
      running = false;
      throw new SSLException("delegated task rejected by executor", e);
    }
    return true;
  }

  /** On the executor's thread. */
  private void runHandedOff(Runnable task) {
    long t0 = System.nanoTime();
    try {
      task.run();
    } finally {
      owner.taskRan(System.nanoTime() - t0, true);
      running = false;
      Runnable done = onDone;
      if (done != null) {
        done.run();
      }
    }
  }
}
