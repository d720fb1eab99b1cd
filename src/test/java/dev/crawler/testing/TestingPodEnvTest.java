package dev.crawler.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TestingPodEnvTest {
  private static final Pod POD = new PodBuilder()
      .withNewMetadata().withName("demo-1").withNamespace("crawler-system").withUid("u-1")
        .addToLabels("app", "crawler").endMetadata()
      .withNewSpec().withServiceAccountName("crawler-master").endSpec()
      .build();

  private static Map<String, String> resolve(Container c) {
    return TestingPodEnv.resolve(POD, c, "127.0.0.5", (ref, key) -> Optional.empty(), host -> host.startsWith("127."));
  }

  @Test
  void downwardApiFieldsResolveToThePodAndItsLoopbackIp() {
    Container c = new ContainerBuilder().withName("master")
        .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
          .endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("POD_NAMESPACE").withNewValueFrom().withNewFieldRef()
          .withFieldPath("metadata.namespace").endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
          .endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("APP").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.labels['app']")
          .endFieldRef().endValueFrom().endEnv()
        .build();

    assertThat(resolve(c)).containsExactly(
        Map.entry("POD_NAME", "demo-1"), Map.entry("POD_NAMESPACE", "crawler-system"),
        Map.entry("POD_IP", "127.0.0.5"), Map.entry("APP", "crawler"),
        Map.entry("CRAWLER_BIND_ADDRESS", "127.0.0.5"));
  }

  @Test
  void dependentVariablesAreExpandedAndUnknownOnesKeptVerbatim() {
    Container c = new ContainerBuilder().withName("master")
        .addNewEnv().withName("POD_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIP")
          .endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("CRAWLER_PORT").withValue("8080").endEnv()
        .addNewEnv().withName("CRAWLER_ADVERTISE_ADDRESS").withValue("$(POD_IP):$(CRAWLER_PORT)").endEnv()
        .addNewEnv().withName("OTHER").withValue("$(LATER)-$$(POD_IP)").endEnv()
        .build();

    assertThat(resolve(c))
        .containsEntry("CRAWLER_ADVERTISE_ADDRESS", "127.0.0.5:8080")
        .containsEntry("OTHER", "$(LATER)-$(POD_IP)");
  }

  @Test
  void unresolvableAdvertiseAddressIsReplacedByPodIpAndPort() {
    Container c = new ContainerBuilder().withName("master")
        .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
          .endFieldRef().endValueFrom().endEnv()
        .addNewEnv().withName("CRAWLER_PORT").withValue("9090").endEnv()
        .addNewEnv().withName("CRAWLER_ADVERTISE_ADDRESS")
          .withValue("$(POD_NAME).demo-headless.crawler-system.svc:9090").endEnv()
        .build();

    assertThat(resolve(c)).containsEntry("CRAWLER_ADVERTISE_ADDRESS", "127.0.0.5:9090");
  }

  @Test
  void missingConfigMapKeyFailsUnlessOptional() {
    Container required = new ContainerBuilder().withName("master")
        .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef().withName("cm").withKey("k")
          .endConfigMapKeyRef().endValueFrom().endEnv()
        .build();
    Container optional = new ContainerBuilder().withName("master")
        .addNewEnv().withName("X").withNewValueFrom().withNewConfigMapKeyRef().withName("cm").withKey("k")
          .withOptional(true).endConfigMapKeyRef().endValueFrom().endEnv()
        .build();

    assertThatThrownBy(() -> resolve(required)).hasMessageContaining("config map cm has no key k");
    assertThat(resolve(optional)).containsEntry("X", "");
  }
}
