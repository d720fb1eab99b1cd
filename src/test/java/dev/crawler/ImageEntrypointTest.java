package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingJvmFlags;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The image's launcher (image/entrypoint) and its JVM flags files: which file each subcommand
 * runs with, and that this JVM accepts every flag in them.
 */
@Tag("process")
class ImageEntrypointTest {
  private static final Path IMAGE = Path.of(System.getProperty("project.basedir", ".")).resolve("image");

  @Test
  void masterRunsWithTheMasterFlagsAndTheArchiveEverythingElseWithTheOperatorFlags(@TempDir Path bin)
      throws Exception {
    // A java on PATH that prints the arguments it was given, one per line.
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThat(entrypoint(bin, "master", "--id", "demo-0")).containsExactly(
        "@/app/master.jvm.options", "-XX:SharedArchiveFile=/app/master.jsa",
        "-jar", "/app/crawler-master.jar", "master", "--id", "demo-0");
    assertThat(entrypoint(bin, "worker", "--id", "w-1")).containsExactly(
        "@/app/master.jvm.options", "-XX:SharedArchiveFile=/app/master.jsa",
        "-jar", "/app/crawler-master.jar", "worker", "--id", "w-1");
    assertThat(entrypoint(bin, "operator", "--leader-election=true")).containsExactly(
        "@/app/operator.jvm.options", "-jar", "/app/crawler-master.jar", "operator", "--leader-election=true");
    assertThat(entrypoint(bin, "--help")).containsExactly(
        "@/app/operator.jvm.options", "-jar", "/app/crawler-master.jar", "--help");
  }

  @Test
  void theJvmAcceptsEveryFlagOfBothFlagsFiles() throws Exception {
    for (String file : List.of("master.jvm.options", "operator.jvm.options")) {
      List<String> cmd = List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "@" + IMAGE.resolve(file), "-cp", System.getProperty("java.class.path"), "dev.crawler.Main", "--help");
      Run run = run(new ProcessBuilder(cmd));
      assertThat(run.exit()).as("%s: %s", file, run.output()).isZero();
      assertThat(run.output()).as(file).contains("master", "operator");
    }
  }

  @Test
  void bothFlagsFilesSizeTheHeapAsAShareOfTheLimitAndExitOnOutOfMemoryWithTmpAsTheOnlyWritablePlace()
      throws IOException {
    List<String> master = Files.readAllLines(IMAGE.resolve("master.jvm.options"));
    assertThat(master).contains("-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-Duser.home=/tmp",
        "-XX:ErrorFile=/tmp/hs_err_pid%p.log");
    // The heap follows the pod's memory limit (a fixed -Xmx would ignore a raised spec.resources).
    assertThat(master).contains("-XX:MaxRAMPercentage=25").noneMatch(l -> l.startsWith("-Xmx"));
    // The operator's heap also follows its container's limit (DeployManifestsTest checks the figure).
    assertThat(Files.readAllLines(IMAGE.resolve("operator.jvm.options"))).contains(
        "-XX:+UseSerialGC", "-XX:MinRAMPercentage=37.5", "-XX:MaxRAMPercentage=37.5", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-Duser.home=/tmp",
        "-XX:ErrorFile=/tmp/hs_err_pid%p.log");
  }

  @ParameterizedTest
  @CsvSource({"256m, 64", "512m, 128", "2g, 512"})
  void theMastersHeapIsAQuarterOfTheMemoryTheContainerLimitGivesTheJvm(String limit, long heapMib) throws Exception {
    // -XX:MaxRAM stands for the container's limit, which is what the JVM reads in a pod.
    assertThat(TestingJvmFlags.maxHeapBytes(IMAGE.resolve("master.jvm.options"), limit) >> 20).isEqualTo(heapMib);
  }

  private static List<String> entrypoint(Path bin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("sh", IMAGE.resolve("entrypoint").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    Run run = run(pb);
    assertThat(run.exit()).as(run.output()).isZero();
    return run.output().lines().toList();
  }

  private record Run(int exit, String output) {}

  private static Run run(ProcessBuilder pb) throws Exception {
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }
}
