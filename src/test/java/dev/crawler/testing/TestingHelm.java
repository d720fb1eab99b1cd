package dev.crawler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Helm that {@code hack/provision-tools.sh} builds ({@code make tools}): the version is read from
 * that script, so the tests and the provisioning cannot disagree.
 */
public final class TestingHelm {
  private TestingHelm() {}

  /** Outcome of one command: its exit code and both streams. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result assertSuccess() {
      if (exitCode != 0) {
        throw new AssertionError(this.toString());
      }
      return this;
    }
  }

  public static String version() {
    return pinnedVersion("HELM_VERSION");
  }

  public static Path binary() {
    return toolBinary("helm", version());
  }

  /** The version a {@code NAME="v..."} line of hack/provision-tools.sh pins. */
  public static String pinnedVersion(String variable) {
    try {
      String script = Files.readString(TestingKubeApiServer.projectDir().resolve("hack/provision-tools.sh"));
      Matcher m = Pattern.compile("(?m)^" + variable + "=\"(v[0-9.]+)\"$").matcher(script);
      if (!m.find()) {
        throw new IllegalStateException("no " + variable + "=\"v...\" line in hack/provision-tools.sh");
      }
      return m.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A tool (or generated directory) hack/provision-tools.sh puts into the tools directory as {@code <name>-<version>}. */
  public static Path toolBinary(String name, String version) {
    String dir = System.getenv("CRAWLER_TOOLS_DIR");
    Path tools = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "crawler-tools");
    Path binary = tools.resolve(name + "-" + version);
    if (!Files.isExecutable(binary) && !Files.isDirectory(binary)) {
      throw new IllegalStateException(binary + " is missing: run `make tools` (hack/provision-tools.sh builds it)");
    }
    return binary;
  }

  /** Runs {@code helm args...} in the project directory and waits up to 60 s. */
  public static Result helm(String... args) {
    return run(binary().toString(), args);
  }

  /** Runs a command in the project directory and waits up to 60 s. */
  public static Result run(String program, String... args) {
    return runIn(TestingKubeApiServer.projectDir(), program, args);
  }

  /** Runs a command in {@code dir} and waits up to 60 s. */
  public static Result runIn(Path dir, String program, String... args) {
    List<String> command = new ArrayList<>();
    command.add(program);
    command.addAll(Arrays.asList(args));
    try {
      Path out = Files.createTempFile("helm-out", ".txt");
      Path err = Files.createTempFile("helm-err", ".txt");
      try {
        Process p = new ProcessBuilder(command).directory(dir.toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException(String.join(" ", command) + " did not finish in 60 s");
        }
        return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
