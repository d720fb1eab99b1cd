package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The local e2e cluster runs the versions the rest of the project names: its Go wrapper modules pin
 * the same Kubernetes release as hack/tools/kube-apiserver (hack/provision-tools.sh), and its etcd
 * image is built at exactly the version deploy/etcd tags, never another binary under that tag.
 */
class LocalClusterPinsTest {
  private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));
  private static final Pattern REPLACE = Pattern.compile("^\\s*(k8s\\.io/\\S+) => \\S+ (v\\S+)\\s*$", Pattern.MULTILINE);
  /** The Go module proxy does not serve k8s.io/endpointslice v0.32.13; v0.32.12 is pinned instead. */
  private static final Map<String, String> ALLOWED_DIFFERENCES = Map.of("k8s.io/endpointslice", "v0.32.12");

  private static String read(String path) throws IOException {
    return Files.readString(ROOT.resolve(path));
  }

  private static Map<String, String> replaces(String goMod) {
    Map<String, String> pins = new TreeMap<>();
    Matcher m = REPLACE.matcher(goMod);
    while (m.find()) {
      pins.put(m.group(1), m.group(2));
    }
    return pins;
  }

  @Test
  void componentsArePinnedLikeKubeApiServer() throws IOException {
    Matcher version = Pattern.compile("(?m)^K8S_VERSION=\"([0-9.]+)\"$").matcher(read("hack/provision-tools.sh"));
    assertThat(version.find()).isTrue();
    String k8s = version.group(1);
    String apiserverMod = read("hack/tools/kube-apiserver/go.mod");
    String componentsMod = read("hack/tools/kube-components/go.mod");

    assertThat(componentsMod).containsPattern("(?m)^\\s*k8s\\.io/kubernetes v" + Pattern.quote(k8s) + "$");
    Map<String, String> expected = new TreeMap<>(replaces(apiserverMod));
    expected.putAll(ALLOWED_DIFFERENCES);
    assertThat(replaces(componentsMod)).isEqualTo(expected);
    for (String component : new String[] {"kubelet", "kube-controller-manager", "kube-scheduler", "kube-proxy"}) {
      assertThat(ROOT.resolve("hack/tools/kube-components/" + component + "/main.go")).exists();
    }
  }

  @Test
  void etcdImageIsBuiltAtTheVersionDeployEtcdTags() throws IOException {
    Matcher image = Pattern.compile("image: quay\\.io/coreos/etcd:(v[0-9.]+)").matcher(read("deploy/etcd/etcd.yaml"));
    assertThat(image.find()).isTrue();
    assertThat(read("hack/tools/etcd/go.mod"))
        .containsPattern("(?m)^require go\\.etcd\\.io/etcd/server/v3 " + Pattern.quote(image.group(1)) + "$")
        .containsPattern("(?m)^\\s*go\\.etcd\\.io/etcd/api/v3 " + Pattern.quote(image.group(1)) + " // indirect$");
  }
}
