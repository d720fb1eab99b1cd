package dev.crawler.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/api-reference.md is what the committed CRD says; `make api-docs` regenerates it. */
class ApiReferenceTest {
  private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));

  @Test
  void committedApiReferenceIsTheOneGeneratedFromTheCrd() throws IOException {
    if (Boolean.getBoolean("api.reference.write")) {
      ApiReference.main(new String[] {ROOT.toString()});
    }
    assertThat(Files.readString(ROOT.resolve(ApiReference.DOC)))
        .as("%s differs from the reference generated from %s: run `make api-docs` and commit it",
            ApiReference.DOC, ApiReference.CRD)
        .isEqualTo(ApiReference.render(ApiReference.committedCrd(ROOT)));
  }

  @Test
  void theReferenceListsOwnFieldsWithDefaultsAndLimitsAndStopsAtKubernetesTypes() throws IOException {
    String doc = ApiReference.render(ApiReference.committedCrd(ROOT));
    assertThat(doc).contains("| `spec.replicas` | integer | `3` |")
        .contains("| `spec.scheduling.podAntiAffinity` | string | `\"preferred\"` | one of `disabled`, `preferred`, `required`")
        .contains("| `spec.scheduling.tolerations` | array of object |")
        .contains("| `status.leader` | string |")
        .doesNotContain("spec.scheduling.tolerations[].key")
        .doesNotContain("spec.resources.limits");
  }
}
