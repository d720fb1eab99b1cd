package dev.crawler.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingKubeApiServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code make demo} is the first command a new user runs: the demo itself, run as {@code make demo}
 * runs it (its own JVM, the real operator and master processes), must end with a failover line and
 * exit 0. The times it prints are not judged here; {@code make bench} measures them.
 */
@Tag("apiserver")
@Tag("process")
@Tag("etcd")
class DemoTest {
  private static final Pattern SUMMARY =
      Pattern.compile("demo: leader (demo-\\d) -> (demo-\\d) in \\d+ ms; status updated in \\d+ ms;"
          + " pages crawled (\\d+) \\+ (\\d+), lost 0");

  @Test
  void demoShowsAFailoverToAnotherReplicaAndExitsZero() throws IOException, InterruptedException {
    Path projectDir = TestingKubeApiServer.projectDir();
    Path output = Files.createTempFile("demo-", ".log");
    Process demo = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:+UseSerialGC",
            "-cp", System.getProperty("java.class.path"),
            "-Dproject.basedir=" + projectDir,
            Demo.class.getName())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    try {
      assertThat(demo.waitFor(4, TimeUnit.MINUTES)).as("the demo finished; output in " + output).isTrue();
    } finally {
      if (demo.isAlive()) {
        // SIGTERM first: the demo's shutdown hook stops the processes it started.
        demo.destroy();
        if (!demo.waitFor(30, TimeUnit.SECONDS)) {
          demo.destroyForcibly();
        }
      }
    }

    List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
    assertThat(demo.exitValue()).as("exit code; output:%n%s", String.join("\n", lines)).isZero();
    var summary = lines.stream().map(SUMMARY::matcher).filter(m -> m.matches()).findFirst();
    assertThat(summary).as("the summary line; output:%n%s", String.join("\n", lines)).isPresent();
    assertThat(summary.get().group(2)).as("the new leader").isNotEqualTo(summary.get().group(1));
    // Real workers crawled before the leader died and went on after it.
    assertThat(Integer.parseInt(summary.get().group(3))).as("pages before the kill").isPositive();
    assertThat(Integer.parseInt(summary.get().group(4))).as("pages after the kill").isPositive();
  }
}
