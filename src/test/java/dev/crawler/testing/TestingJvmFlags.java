package dev.crawler.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What a JVM flags file gives, asked of this JDK's own java rather than computed by hand. */
public final class TestingJvmFlags {
  private TestingJvmFlags() {}

  /**
   * The maximum heap, in bytes, that {@code java @optionsFile} chooses when it sees {@code maxRam}
   * of memory ({@code -XX:MaxRAM}, e.g. {@code 256m} or a byte count): what the JVM reads from a
   * container's memory limit.
   */
  public static long maxHeapBytes(Path optionsFile, String maxRam) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:MaxRAM=" + maxRam, "@" + optionsFile, "-XX:+PrintFlagsFinal", "-version")
        .redirectErrorStream(true).start();
    String flags = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("java -XX:+PrintFlagsFinal did not exit within 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException("java @" + optionsFile + " -XX:+PrintFlagsFinal exited with " + p.exitValue() + ": " + flags);
    }
    String line = flags.lines().filter(l -> l.matches("\\s*size_t MaxHeapSize\\s+=.*")).findFirst()
        .orElseThrow(() -> new IOException("no MaxHeapSize in -XX:+PrintFlagsFinal: " + flags));
    return Long.parseLong(line.replaceAll(".*=\\s*(\\d+).*", "$1"));
  }
}
