package dev.tlsloop.props;

import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyAttributes;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Two command-line switches for the property classes of this package, read in the forked test JVM
 * (Surefire passes {@code -D} user properties of the Maven command line to it):
 *
 * <ul>
 *   <li>{@code -Dtlsloop.props.seed=<seed>} replays a failing seed (the number jqwik printed as
 *       {@code seed = ...}) instead of a random one;
 *   <li>{@code -Dtlsloop.soak=<n>} multiplies every property's tries by {@code n} for a long local
 *       soak (e.g. 100).
 *   <li>{@code -Dtlsloop.props.shrinking=OFF|BOUNDED|FULL} and {@code
 *       -Dtlsloop.props.trySeconds=<s>} (default 60) make runs against a deliberately broken engine
 *       (mutation checks) finish quickly.
 * </ul>
 */
public final class PropsSettings implements AroundPropertyHook {
  static final String SEED = "tlsloop.props.seed";
  static final String SOAK = "tlsloop.soak";
  static final String SHRINKING = "tlsloop.props.shrinking";
  static final String TRY_SECONDS = "tlsloop.props.trySeconds";

  /** Wall-clock limit of one try (default 60 s). */
  static long trySeconds() {
    String v = System.getProperty(TRY_SECONDS, "").trim();
    return v.isEmpty() ? 60 : Long.parseLong(v);
  }

  /** The soak multiplier (1 unless {@code -Dtlsloop.soak} says otherwise). */
  static int soak() {
    String v = System.getProperty(SOAK, "").trim();
    return v.isEmpty() ? 1 : Math.max(1, Integer.parseInt(v));
  }

  /** Registered on a class, applies to every property in it. */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  @Override
  public PropertyExecutionResult aroundProperty(
      PropertyLifecycleContext context, PropertyExecutor property) {
    PropertyAttributes attributes = context.attributes();
    String seed = System.getProperty(SEED, "").trim();
    if (!seed.isEmpty()) {
      attributes.setSeed(seed);
    }
    String shrinking = System.getProperty(SHRINKING, "").trim();
    if (!shrinking.isEmpty()) {
      attributes.setShrinking(ShrinkingMode.valueOf(shrinking));
    }
    int soak = soak();
    if (soak > 1) {
      attributes.tries().ifPresent(t -> attributes.setTries(t * soak));
    }
    return property.execute();
  }
}
