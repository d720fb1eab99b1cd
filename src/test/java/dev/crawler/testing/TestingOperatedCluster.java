package dev.crawler.testing;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterStatus;
import dev.crawler.election.Election;
import dev.crawler.operator.CrawlerOperator;
import dev.crawler.operator.settings.OperatorSettings;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.awaitility.Awaitility;

/**
 * One CrawlerMaster as it runs for real, minus the cluster: a real kube-apiserver with the CRD, the
 * operator in this JVM, a real etcd, and the kubelet stand-in running real master processes for its
 * pods. {@link #close()} stops everything in reverse order.
 */
public final class TestingOperatedCluster implements AutoCloseable {
  private final List<AutoCloseable> parts = new ArrayList<>();
  private final String namespace;
  private final String name;
  private TestingKubeApiServer api;
  private Client etcdClient;
  private CrawlerMaster cm;

  private TestingOperatedCluster(String namespace, String name) {
    this.namespace = namespace;
    this.name = name;
  }

  /**
   * Starts it all and creates CrawlerMaster {@code namespace/name} with {@code replicas}, changed by
   * {@code customize} first; returns once every replica campaigns in etcd.
   */
  public static TestingOperatedCluster start(
      String namespace, String name, int replicas, TestingKubelet.PodCommand command, Consumer<CrawlerMaster> customize)
      throws Exception {
    TestingOperatedCluster c = new TestingOperatedCluster(namespace, name);
    try {
      c.api = c.add(TestingKubeApiServer.startNew());
      c.api.installCrd();
      c.api.ensureNamespace(namespace);
      TestingEtcd etcd = c.add(TestingEtcd.startNew());
      c.etcdClient = c.add(Client.builder().endpoints(etcd.endpoint()).build());
      Operator operator = CrawlerOperator.create(c.api.client(),
          CrawlerOperator.Options.of(new OperatorSettings("crawler-master:test", Set.of(namespace), true)));
      operator.start();
      c.parts.add(operator::stop);
      c.add(TestingKubelet.start(c.api.client(), Files.createTempDirectory(namespace + "-kubelet"), command,
          Duration.ofMillis(200)));
      CrawlerMaster cm = TestingCrawlerMasters.crawlerMaster(namespace, name, etcd.endpoint());
      cm.getSpec().setReplicas(replicas);
      customize.accept(cm);
      c.cm = c.api.client().resource(cm).create();
      Election election = c.election();
      Awaitility.await().atMost(Duration.ofSeconds(120))
          .until(() -> election.candidates().get(2, TimeUnit.SECONDS).size() == replicas);
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private <T extends AutoCloseable> T add(T part) {
    parts.add(part);
    return part;
  }

  public TestingKubeApiServer api() {
    return api;
  }

  public KubernetesClient kube() {
    return api.client();
  }

  public Client etcdClient() {
    return etcdClient;
  }

  /** The CrawlerMaster's election in etcd. */
  public Election election() {
    return new Election(etcdClient, cm.keyLayout().election());
  }

  /** The CrawlerMaster's status as stored now; empty when it has none yet. */
  public CrawlerMasterStatus status() {
    CrawlerMaster now = kube().resources(CrawlerMaster.class).inNamespace(namespace).withName(name).get();
    return now == null || now.getStatus() == null ? new CrawlerMasterStatus() : now.getStatus();
  }

  @Override
  public void close() throws Exception {
    for (int i = parts.size() - 1; i >= 0; i--) {
      parts.get(i).close();
    }
  }
}
