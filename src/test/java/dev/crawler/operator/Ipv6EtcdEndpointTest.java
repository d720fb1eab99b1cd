package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import static dev.crawler.testing.TestingCrawlerMasters.crawlerMaster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterConditions;
import dev.crawler.api.KeyLayout;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import dev.crawler.testing.TestingMasterProcess;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.Inet6Address;
import java.net.NetworkInterface;
import java.time.Duration;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An IPv6 literal endpoint end to end: the real API server's schema accepts it, a master process
 * parses it and elects itself through an etcd listening only on {@code [::1]}, and the operator
 * parses it, reads that election and publishes the leader.
 */
@Tag("apiserver")
@Tag("etcd")
@Tag("process")
class Ipv6EtcdEndpointTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String NAME = "v6";

  @Test
  void anIpv6LiteralEndpointIsAcceptedParsedAndUsedByMasterAndOperator() throws Exception {
    Assumptions.assumeTrue(hasIpv6Loopback(),
        "skipped: this machine has no IPv6 loopback address ::1 (see `ip -6 addr show lo`)");
    TestingKubeApiServer api = TestingKubeApiServer.shared();
    KubernetesClient admin = api.client();
    String ns = "ipv6-" + ThreadLocalRandom.current().nextInt(1_000_000);
    api.ensureNamespace(ns);
    try (TestingEtcd etcd = TestingEtcd.startOnIpv6Loopback()) {
      assertThat(etcd.endpoint()).startsWith("http://[::1]:");
      CrawlerMaster cm = admin.resource(crawlerMaster(ns, NAME, etcd.endpoint())).create();
      assertThat(cm.getSpec().getEtcd().getEndpoints()).containsExactly(etcd.endpoint());

      Operator operator = CrawlerOperator.create(admin,
          CrawlerOperator.Options.of(new OperatorSettings("crawler-master:test", Set.of(ns)))
              .withOverrides(c -> c.withCloseClientOnStop(false)));
      operator.start();
      try (TestingMasterProcess master = TestingMasterProcess.start(
          NAME + "-0", etcd.endpoint(), KeyLayout.defaultFor(ns, NAME).prefix(), 2)) {
        master.awaitReady(TIMEOUT);
        CrawlerMaster published = await().atMost(TIMEOUT).until(
            () -> admin.resources(CrawlerMaster.class).inNamespace(ns).withName(NAME).get(),
            c -> c.getStatus() != null && (NAME + "-0").equals(c.getStatus().getLeader()));
        assertThat(CrawlerMasterConditions.find(published.getStatus(), CrawlerMasterConditions.ETCD_REACHABLE)
            .orElseThrow().getReason()).isEqualTo(CrawlerMasterConditions.REACHABLE);
        assertThat(master.log()).contains("etcd [" + etcd.endpoint() + "]");
      } finally {
        operator.stop();
        admin.resources(CrawlerMaster.class).inNamespace(ns).delete();
        admin.apps().statefulSets().inNamespace(ns).delete();
        admin.services().inNamespace(ns).delete();
      }
    }
  }

  private static boolean hasIpv6Loopback() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isLoopback() && Collections.list(nic.getInetAddresses()).stream()
          .anyMatch(a -> a instanceof Inet6Address && a.isLoopbackAddress())) {
        return true;
      }
    }
    return false;
  }
}
