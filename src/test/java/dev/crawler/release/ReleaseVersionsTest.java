package dev.crawler.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.crawler.testing.TestingKubeApiServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One version everywhere it is shipped (pom.xml, the kustomize image tag, the chart), one statement
 * of the supported Kubernetes versions (README, chart, release), and the chart's CRD files equal to crds/.
 */
class ReleaseVersionsTest {
  private static final Path ROOT = TestingKubeApiServer.projectDir();
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  /** The ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) is served from 1.30 on. */
  static final String MIN_KUBERNETES = "1.30";

  static String projectVersion() throws IOException {
    Matcher m = Pattern.compile("<artifactId>crawler-master</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).as("pom.xml's own <version>").isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(String file) throws IOException {
    return YAML.unmarshal(Files.readString(ROOT.resolve(file)), Map.class);
  }

  @Test
  @SuppressWarnings("unchecked")
  void kustomizeImageTagIsTheProjectVersion() throws IOException {
    List<Map<String, Object>> images = (List<Map<String, Object>>) yaml("deploy/kustomization.yaml").get("images");

    assertThat(images).singleElement().satisfies(image -> {
      assertThat(image).containsEntry("name", "crawler-master").containsEntry("newTag", projectVersion());
    });
  }

  @Test
  void chartVersionsFollowTheProject() throws IOException {
    Map<String, Object> chart = yaml("charts/crawler-operator/Chart.yaml");
    String version = projectVersion();

    assertThat(chart).containsEntry("name", "crawler-operator")
        .containsEntry("appVersion", version)
        .containsEntry("version", version.replace("-SNAPSHOT", ""))
        .containsEntry("kubeVersion", ">=" + MIN_KUBERNETES + ".0-0");
    assertThat(Files.readString(ROOT.resolve("charts/crawler-operator/values.yaml")))
        .as("the image tag defaults to appVersion").contains("tag: \"\"");
  }

  @Test
  void readmeStatesTheSupportedVersionsTheChartAndTheTestsUse() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    Matcher k8s = Pattern.compile("(?m)^K8S_VERSION=\"(\\d+\\.\\d+)\\.\\d+\"$")
        .matcher(Files.readString(ROOT.resolve("hack/provision-tools.sh")));
    assertThat(k8s.find()).isTrue();

    assertThat(readme).contains("## Install")
        .contains("Kubernetes " + MIN_KUBERNETES + " or later")
        .contains("tested with " + k8s.group(1))
        .contains("dist/install.yaml").contains("charts/crawler-operator");
    assertThat(Files.readString(ROOT.resolve("Makefile"))).contains("for Kubernetes >= " + MIN_KUBERNETES);
  }

  @Test
  void theMakefileAndTheGoWrappersPinTheToolsProvisionToolsBuilds() throws IOException {
    String script = Files.readString(ROOT.resolve("hack/provision-tools.sh"));
    String makefile = Files.readString(ROOT.resolve("Makefile"));
    for (String[] tool : List.of(new String[] {"HELM_VERSION", "helm", "helm.sh/helm/v3"},
        new String[] {"PROMTOOL_VERSION", "promtool", "github.com/prometheus/prometheus"})) {
      Matcher pinned = Pattern.compile("(?m)^" + tool[0] + "=\"(v[0-9.]+)\"$").matcher(script);
      assertThat(pinned.find()).as(tool[0]).isTrue();
      assertThat(makefile).contains(tool[0] + " := " + pinned.group(1));
      assertThat(Files.readString(ROOT.resolve("hack/tools").resolve(tool[1]).resolve("go.mod")))
          .contains("require " + tool[2] + " " + pinned.group(1) + "\n");
    }
  }

  @Test
  void chartCarriesTheCommittedCrdAndAdmissionPolicy() throws IOException {
    // `make chart-crds` copies them; helm cannot read files outside the chart.
    String crd = "crawlermasters.crawler.dev-v1.yml";
    String policy = "crawlermasters-key-prefix-policy.yaml";
    Path chart = ROOT.resolve("charts/crawler-operator");

    assertThat(Files.readString(chart.resolve("crds").resolve(crd)))
        .as("charts/crawler-operator/crds/%s differs from crds/%s: run make chart-crds", crd, crd)
        .isEqualTo(Files.readString(ROOT.resolve("crds").resolve(crd)));
    assertThat(Files.readString(chart.resolve("files").resolve(policy)))
        .as("charts/crawler-operator/files/%s differs from crds/%s: run make chart-crds", policy, policy)
        .isEqualTo(Files.readString(ROOT.resolve("crds").resolve(policy)));
    assertThat(Files.readString(chart.resolve("files/user-roles.yaml")))
        .as("charts/crawler-operator/files/user-roles.yaml differs from deploy/: run make chart-crds")
        .isEqualTo(Files.readString(ROOT.resolve("deploy/user-roles.yaml")));
    for (String file : List.of("podmonitor-operator.yaml", "podmonitor-masters.yaml", "prometheusrule.yaml",
        "dashboards/crawlermaster.json")) {
      assertThat(Files.readString(chart.resolve("files/monitoring").resolve(Path.of(file).getFileName())))
          .as("charts/crawler-operator/files/monitoring/%s differs from deploy/monitoring/: run make chart-crds", file)
          .isEqualTo(Files.readString(ROOT.resolve("deploy/monitoring").resolve(file)));
    }
  }
}
