package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.bench.FootprintBench;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reads the Dockerfile's instructions and checks the runtime stage's contract with the operator's
 * pod templates. A text-level check only: no image is built here (no Docker engine on the build
 * machines); hack/e2e.sh builds it (docker or buildah) and runs it on a real cluster.
 */
class DockerfileStructureTest {
  private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));
  private static final Pattern ARG = Pattern.compile("ARG\\s+(\\w+)=(\\S+)");
  private static final Pattern VAR = Pattern.compile("\\$\\{(\\w+)}");

  private static List<String> instructions;

  @BeforeAll
  static void parse() throws IOException {
    instructions = instructions(Files.readString(ROOT.resolve("Dockerfile")));
  }

  @Test
  void runtimeStageIsTheTemurin17Jre() {
    assertThat(resolveArgs(lastFrom())).startsWith("FROM eclipse-temurin:17-jre");
  }

  @Test
  void runtimeStageRunsAsNonRootNumericUser() {
    List<String> users = runtimeStage().stream().filter(i -> keyword(i).equals("USER")).toList();
    assertThat(users).as("USER instructions in the runtime stage").isNotEmpty();
    String user = users.get(users.size() - 1).substring("USER".length()).trim();
    // runAsNonRoot can only verify a numeric uid; uid 0 would be root.
    assertThat(user).matches("[0-9]+(:[0-9]+)?");
    assertThat(Integer.parseInt(user.split(":")[0])).isPositive();
  }

  @Test
  void entrypointIsTheImagesLauncherInExecFormAndTheJarComesFromTheBuildStage() {
    // The launcher execs java, so the JVM is PID 1 and receives SIGTERM (ImageEntrypointTest).
    assertThat(lastOf("ENTRYPOINT")).isEqualTo("ENTRYPOINT [\"/app/entrypoint\"]");
    assertThat(runtimeStage()).anyMatch(i -> keyword(i).equals("COPY") && i.contains("--from=build")
        && i.endsWith(" /app/crawler-master.jar"));
  }

  @Test
  void runtimeStageCopiesTheFlagsFilesTheBenchMeasuresAndBuildsTheMastersArchiveFromThem() {
    assertThat(FootprintBench.MASTER_OPTIONS).isEqualTo(Path.of("image", "master.jvm.options"));
    assertThat(FootprintBench.CDS_SCRIPT).isEqualTo(Path.of("image", "cds-archive"));
    assertThat(runtimeStage()).contains(
        "COPY image/master.jvm.options image/operator.jvm.options image/entrypoint image/cds-archive /app/");
    // Built at image build time, by the same script and flags file as the bench's archive, after the jar is in place.
    List<String> stage = runtimeStage();
    int run = indexOf(stage, "RUN /app/cds-archive /app/crawler-master.jar /app/master.jsa /app/master.jvm.options");
    assertThat(run).isGreaterThan(indexOf(stage, "COPY --from=build"));
    assertThat(run).as("archive built before USER drops root (the runtime user cannot write /app)")
        .isLessThan(indexOf(stage, "USER "));
  }

  @Test
  void buildContextLetsThroughTheImageDirectoryTheRuntimeStageCopiesFrom() throws IOException {
    // .dockerignore excludes everything not re-included; a missing "!image/" fails the COPY at build time.
    List<String> ignore = Files.readAllLines(ROOT.resolve(".dockerignore")).stream().map(String::strip).toList();
    assertThat(ignore).contains("*", "!image/");
    assertThat(ignore.indexOf("!image/")).isGreaterThan(ignore.indexOf("*"));
  }

  @Test
  void buildStageCopiesOnlyTheShadedJarNotTheOriginal() {
    String build = String.join("\n", instructions.subList(0, instructions.indexOf(lastFrom())));
    assertThat(build).contains("target/crawler-master-*.jar").doesNotContain("original-");
    // Dependencies are resolved before the sources are copied, so source edits reuse that layer.
    assertThat(build.indexOf("COPY pom.xml")).isGreaterThanOrEqualTo(0).isLessThan(build.indexOf("go-offline"));
    assertThat(build.indexOf("go-offline")).isLessThan(build.indexOf("COPY src"));
  }

  @Test
  void exposesTheMasterHttpPort() {
    assertThat(runtimeStage()).contains("EXPOSE 8080");
  }

  /** Joins continuation lines and drops comments and blank lines. */
  static List<String> instructions(String dockerfile) {
    List<String> result = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : dockerfile.split("\n", -1)) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String instruction = current.toString().replaceAll("\\s+", " ").strip();
      if (!instruction.isEmpty()) {
        result.add(instruction);
      }
      current.setLength(0);
    }
    return result;
  }

  private static int indexOf(List<String> stage, String prefix) {
    for (int i = 0; i < stage.size(); i++) {
      if (stage.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new AssertionError("no instruction starting with " + prefix + " in " + stage);
  }

  private static String keyword(String instruction) {
    return instruction.split(" ", 2)[0].toUpperCase(Locale.ROOT);
  }

  private static String lastFrom() {
    return lastOf("FROM");
  }

  private static String lastOf(String keyword) {
    String found = null;
    for (String i : instructions) {
      if (keyword(i).equals(keyword)) {
        found = i;
      }
    }
    assertThat(found).as("a %s instruction", keyword).isNotNull();
    return found;
  }

  private static List<String> runtimeStage() {
    return instructions.subList(instructions.lastIndexOf(lastFrom()), instructions.size());
  }

  /** Substitutes global ARG defaults (those before the first FROM), as `docker build` does in FROM lines. */
  private static String resolveArgs(String instruction) {
    java.util.Map<String, String> args = new java.util.HashMap<>();
    for (String i : instructions) {
      if (keyword(i).equals("FROM")) {
        break;
      }
      Matcher m = ARG.matcher(i);
      if (m.matches()) {
        args.put(m.group(1), m.group(2));
      }
    }
    Matcher m = VAR.matcher(instruction);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(m.group(1), m.group())));
    }
    return m.appendTail(out).toString();
  }
}
