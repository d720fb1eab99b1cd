package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CommittedCrdTest {
  private static final String CRD = "crawlermasters.crawler.dev-v1.yml";

  @Test
  void committedCrdEqualsTheOneGeneratedFromTheModel() throws IOException {
    Path base = Path.of(System.getProperty("project.basedir", "."));
    Path generated = base.resolve("target/classes/META-INF/fabric8").resolve(CRD);
    Path committed = base.resolve("crds").resolve(CRD);

    assertThat(generated).as("generated CRD (built at process-classes)").exists();
    assertThat(Files.readString(committed))
        .as("crds/%s differs from the CRD generated from dev.crawler.api: run `make manifests` and commit crds/", CRD)
        .isEqualTo(Files.readString(generated));
  }
}
