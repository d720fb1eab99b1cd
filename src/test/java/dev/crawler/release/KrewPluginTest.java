package dev.crawler.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingHelm;
import dev.crawler.testing.TestingKubeApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make plugin-archive}: the krew manifest names the archive's checksum and version, and the
 * pinned krew ({@code make tools}) installs the plugin from the two files, as a user without an
 * index does; the installed {@code kubectl-crawler} runs.
 */
class KrewPluginTest {
  private static final Path ROOT = TestingKubeApiServer.projectDir();

  @Test
  void krewInstallsThePluginFromTheArchiveAndManifest(@TempDir Path krewRoot) throws IOException, NoSuchAlgorithmException {
    String version = ReleaseVersionsTest.projectVersion();
    TestingHelm.run("make", "-s", "plugin-archive", "DIST=target/plugin-test").assertSuccess();
    Path archive = ROOT.resolve("target/plugin-test/kubectl-crawler-" + version + ".tar.gz");
    Path manifest = ROOT.resolve("target/plugin-test/krew-crawler.yaml");
    String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive)));
    assertThat(Files.readString(manifest)).contains("sha256: " + sha256).contains("version: v" + version)
        .contains("name: crawler").doesNotContain("@");

    TestingHelm.Result tar = TestingHelm.run("tar", "tzvf", archive.toString()).assertSuccess();
    assertThat(tar.stdout().lines().toList()).hasSize(2)
        .anySatisfy(l -> assertThat(l).startsWith("-rwxr-xr-x").endsWith(" kubectl-crawler"))
        .anySatisfy(l -> assertThat(l).endsWith(" LICENSE"));

    Path krew = TestingHelm.toolBinary("krew", TestingHelm.pinnedVersion("KREW_VERSION"));
    ProcessBuilder install = new ProcessBuilder(krew.toString(), "install", "--manifest=" + manifest,
        "--archive=" + archive).redirectErrorStream(true);
    install.environment().put("KREW_ROOT", krewRoot.toString());
    Process p = install.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(waitFor(p)).as(out).isZero();

    Path installed = krewRoot.resolve("bin/kubectl-crawler");
    assertThat(installed).isExecutable();
    TestingHelm.Result help = TestingHelm.run(installed.toString(), "--help").assertSuccess();
    assertThat(help.stdout()).contains("kubectl crawler status").contains("--kubeconfig");
    assertThat(krewRoot.resolve("store/crawler/v" + version).resolve("LICENSE")).exists();
    assertThat(List.of(archive, manifest)).allSatisfy(f -> assertThat(f).isNotEmptyFile());
  }

  private static int waitFor(Process p) {
    try {
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("krew install did not finish in 60 s");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
