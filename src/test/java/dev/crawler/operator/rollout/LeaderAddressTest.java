package dev.crawler.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaderAddressTest {
  private static Pod pod(String name, String... ips) {
    return new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewStatus().withPodIP(ips.length > 0 ? ips[0] : null)
        .withPodIPs(java.util.Arrays.stream(ips).map(ip -> new io.fabric8.kubernetes.api.model.PodIP(ip)).toList())
        .endStatus().build();
  }

  private static final List<Pod> PODS = List.of(pod("demo-0", "10.88.0.5"), pod("demo-1", "10.88.0.6", "fd00::6"), pod("demo-2"));

  @Test
  void aMasterPodsIpOnTheClustersPortIsCalled() {
    assertThat(LeaderAddress.refusal("10.88.0.5:8080", 8080, PODS)).isEmpty();
    assertThat(LeaderAddress.refusal("[fd00::6]:8080", 8080, PODS)).isEmpty();
    assertThat(LeaderAddress.refusal("fd00::6:8080", 8080, PODS)).isEmpty();
  }

  @Test
  void anythingElseIsRefusedWithTheReason() {
    for (String address : List.of("10.88.0.5:9090", "10.88.0.7:8080", "169.254.169.254:80", "kubernetes.default:443",
        "10.88.0.5:8080/../../admin", "10.88.0.5:8080@evil:80", "", "demo-0:8080")) {
      assertThat(LeaderAddress.refusal(address, 8080, PODS)).as(address).hasValueSatisfying(why ->
          assertThat(why).contains("not the IP of a master pod of this cluster on port 8080"));
    }
    assertThat(LeaderAddress.refusal("10.88.0.5:8080", 8080, List.of())).as("no pods known").isPresent();
    assertThat(LeaderAddress.refusal("x".repeat(5000), 8080, PODS).orElseThrow()).hasSizeLessThan(300);
  }
}
