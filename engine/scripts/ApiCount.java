import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Counts the public API of compiled classes: public types (a nested type counts only if every
 * enclosing type is public too) in the given packages, and their public or protected methods,
 * constructors and fields, as declared (compiler-made bridge and synthetic members left out).
 *
 * <p>Usage: {@code java ApiCount.java CLASSES_DIR PACKAGE... [--list]}
 */
public class ApiCount {
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    boolean list = List.of(args).contains("--list");
    Set<String> packages =
        Stream.of(args).skip(1).filter(a -> !a.startsWith("--")).collect(Collectors.toSet());
    TreeMap<String, int[]> perType = new TreeMap<>();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {root.toUri().toURL()})) {
      for (String name : classNames(root)) {
        String pkg = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
        if (!packages.contains(pkg)) {
          continue;
        }
        Class<?> c = Class.forName(name, false, loader);
        if (isApi(c)) {
          perType.put(c.getName(), count(c));
        }
      }
    }
    int[] sum = new int[3];
    perType.forEach(
        (type, n) -> {
          for (int i = 0; i < 3; i++) {
            sum[i] += n[i];
          }
          if (list) {
            System.out.printf(
                "  %-40s methods %3d  constructors %2d  fields %2d%n", type, n[0], n[1], n[2]);
          }
        });
    System.out.printf(
        "public types %d, members %d (methods %d, constructors %d, fields %d)%n",
        perType.size(), sum[0] + sum[1] + sum[2], sum[0], sum[1], sum[2]);
  }

  private static List<String> classNames(Path root) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      files
          .filter(p -> p.toString().endsWith(".class"))
          .map(p -> root.relativize(p).toString())
          .filter(p -> !p.endsWith("module-info.class") && !p.endsWith("package-info.class"))
          .forEach(p -> names.add(p.substring(0, p.length() - 6).replace('/', '.')));
    }
    return names;
  }

  private static boolean isApi(Class<?> c) {
    if (c.isAnonymousClass() || c.isLocalClass() || c.isSynthetic()) {
      return false;
    }
    for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
      if (!Modifier.isPublic(k.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static int[] count(Class<?> c) {
    int methods = 0;
    for (Method m : c.getDeclaredMethods()) {
      if (visible(m) && !m.isBridge()) {
        methods++;
      }
    }
    int constructors = 0;
    for (Member m : c.getDeclaredConstructors()) {
      if (visible(m)) {
        constructors++;
      }
    }
    int fields = 0;
    for (Field f : c.getDeclaredFields()) {
      if (visible(f)) {
        fields++;
      }
    }
    return new int[] {methods, constructors, fields};
  }

  private static boolean visible(Member m) {
    int mod = m.getModifiers();
    return !m.isSynthetic() && (Modifier.isPublic(mod) || Modifier.isProtected(mod));
  }
}
