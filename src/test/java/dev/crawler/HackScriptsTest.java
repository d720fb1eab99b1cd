package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every shell script under hack/ and image/ passes shellcheck (which must be installed: it is part of the toolchain). */
class HackScriptsTest {
  private static final Path HACK = Path.of(System.getProperty("project.basedir", ".")).resolve("hack");
  private static final Path IMAGE = HACK.resolveSibling("image");

  @Test
  void everyHackScriptPassesShellcheck() throws Exception {
    List<Path> scripts = shellScripts();
    assertThat(scripts).as("shell scripts under %s", HACK).isNotEmpty();

    List<String> command = new ArrayList<>(List.of(shellcheck(), "--format=gcc", "--severity=style"));
    scripts.forEach(s -> command.add(s.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("shellcheck finished").isTrue();

    assertThat(p.exitValue()).as("shellcheck findings in %s:%n%s", scripts, output).isZero();
  }

  /** Files ending in .sh, or with a sh/bash shebang, anywhere under hack/ or image/. */
  private static List<Path> shellScripts() throws IOException {
    try (Stream<Path> hack = Files.walk(HACK); Stream<Path> image = Files.walk(IMAGE)) {
      return Stream.concat(hack, image).filter(Files::isRegularFile).filter(HackScriptsTest::isShellScript)
          .sorted().toList();
    }
  }

  private static boolean isShellScript(Path file) {
    if (file.getFileName().toString().endsWith(".sh")) {
      return true;
    }
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String first = in.readLine();
      return first != null && first.startsWith("#!") && first.matches("#!.*\\b(ba)?sh\\b.*");
    } catch (IOException | java.io.UncheckedIOException e) {
      return false; // not text
    }
  }

  private static String shellcheck() {
    for (String candidate : List.of("/usr/bin/shellcheck", "/usr/local/bin/shellcheck")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "shellcheck");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return fail("shellcheck is not installed, so the scripts in hack/ cannot be checked."
        + " Install it (apt-get install -y shellcheck, or run hack/provision-tools.sh) and re-run.");
  }
}
