package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS 1.3 KeyUpdate mid-stream (checklist item 12). The JDK starts one only after 2^37 bytes by
 * default, so a forked JVM gets {@code jdk.tls.keyLimits} of 64 KiB: dozens of KeyUpdates happen
 * while 8 MiB cross each way, and every byte must still arrive.
 */
class KeyUpdateTest {
  @Test
  void transferStaysIntactAcrossManyKeyUpdatesBothWays(@TempDir Path dir) throws Exception {
    Path props = dir.resolve("keyupdate.security");
    Files.writeString(
        props,
        "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^16, ChaCha20-Poly1305 KeyUpdate 2^16\n",
        StandardCharsets.US_ASCII);
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-Djava.security.properties=" + props,
                    "-cp",
                    System.getProperty("java.class.path"),
                    KeyUpdateMain.class.getName(),
                    String.valueOf(8 << 20)))
            .redirectErrorStream(true)
            .start();
    String out;
    try {
      assertTrue(p.waitFor(100, TimeUnit.SECONDS), "forked transfer finished");
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), out);
    System.out.println("KeyUpdateTest forked JVM: " + out.trim());
    Matcher m =
        Pattern.compile(
                "received up=(\\d+) down=(\\d+) keyUpdatesSent=(\\d+) repliesRequested=(\\d+)")
            .matcher(out);
    assertTrue(m.find(), out);
    assertEquals(8 << 20, Long.parseLong(m.group(1)));
    assertEquals(8 << 20, Long.parseLong(m.group(2)));
    // 8 MiB each way with a 64 KiB limit: about 128 per direction; demand a clear majority.
    assertTrue(Integer.parseInt(m.group(3)) >= 100, "KeyUpdates sent: " + out);
    assertTrue(Integer.parseInt(m.group(4)) >= 1, "peer requested replies: " + out);
  }
}
