package dev.crawler.bench;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.operator.CrawlerOperator;
import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.testing.TestingCandidate;
import dev.crawler.testing.TestingCrawlerMasters;
import dev.crawler.testing.TestingEtcd;
import dev.crawler.testing.TestingKubeApiServer;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Status propagation: the operator (in-process JOSDK Operator, as {@code operator} runs it) against
 * the real API server, following a CrawlerMaster's election in a real etcd. Leader changes are
 * driven by {@link TestingCandidate}s named like the CR's pods resigning in turn. Each sample runs
 * from the moment our own etcd watch sees the new leader to the moment a watch on the CR sees
 * {@code status.leader} name it.
 */
final class StatusBench {
  static final String NAMESPACE = "bench-status";
  private static final String NAME = "status";
  private static final long CANDIDATE_TTL_SECONDS = 5;

  private final TestingKubeApiServer api;
  private final TestingEtcd etcd;
  private final Client client;

  StatusBench(TestingKubeApiServer api, TestingEtcd etcd, Client client) {
    this.api = api;
    this.etcd = etcd;
    this.client = client;
  }

  List<Double> measure(int changes) throws Exception {
    api.ensureNamespace(NAMESPACE);
    CrawlerMaster cm = TestingCrawlerMasters.crawlerMaster(NAMESPACE, NAME, etcd.endpoint());
    String election = cm.keyLayout().election();
    var crs = api.client().resources(CrawlerMaster.class).inNamespace(NAMESPACE).withField("metadata.name", NAME);
    HolderTimeline status = new HolderTimeline();
    Map<String, TestingCandidate> candidates = new LinkedHashMap<>();
    // A client of its own: Operator.stop() closes the client it was given.
    Operator operator =
        CrawlerOperator.create(
            new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(api.kubeconfigYaml())).build(),
            CrawlerOperator.Options.of(new OperatorSettings(OperatorSettings.DEFAULT_MASTER_IMAGE, Set.of(NAMESPACE))));
    var initial = crs.list();
    try (EtcdElectionWatch etcdWatch = new EtcdElectionWatch(client, election);
        // From the list's resourceVersion: see PeerBench on watches from "" with bookmarks.
        Watch ignored =
            crs.watch(
                new ListOptionsBuilder().withResourceVersion(initial.getMetadata().getResourceVersion()).build(),
                new Watcher<CrawlerMaster>() {
                  @Override
                  public void eventReceived(Action action, CrawlerMaster r) {
                    status.observe(
                        action == Action.DELETED || r.getStatus() == null ? null : r.getStatus().getLeader());
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      operator.start();
      api.client().resource(cm).create();
      HolderTimeline leaders = etcdWatch.timeline();
      for (int i = 0; i < 3; i++) {
        String pod = NAME + "-" + i;
        TestingCandidate c = TestingCandidate.pod(client, election, pod, CANDIDATE_TTL_SECONDS);
        candidates.put(pod, c);
        c.campaign();
      }
      String first = leaders.awaitAnyHolder(Duration.ofSeconds(30));
      status.await(Long.MIN_VALUE, first::equals, Duration.ofSeconds(120));

      List<Double> samples = new ArrayList<>();
      for (int i = 0; i < changes; i++) {
        String current = leaders.awaitAnyHolder(Duration.ofSeconds(30));
        TestingCandidate leader = candidates.get(current);
        long resignCalled = System.nanoTime();
        leader.resign();
        HolderTimeline.Change elected =
            leaders.await(resignCalled, HolderTimeline.anotherThan(current), Duration.ofSeconds(30));
        HolderTimeline.Change shown =
            status.await(resignCalled, elected.holder()::equals, Duration.ofSeconds(60));
        double ms = (shown.nanos() - elected.nanos()) / 1e6;
        samples.add(ms);
        System.out.printf(
            "  status change %2d/%d: %s -> %s, etcd watch +%.1f ms after resign, CR status +%.1f ms%n",
            i + 1, changes, current, elected.holder(), (elected.nanos() - resignCalled) / 1e6, ms);
        // Back into the queue as a follower, so leadership keeps rotating.
        leader.campaign();
      }
      return samples;
    } finally {
      candidates.values().forEach(TestingCandidate::close);
      operator.stop();
      api.client().resource(cm).withGracePeriod(0).delete();
    }
  }
}
