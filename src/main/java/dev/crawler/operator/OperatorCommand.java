package dev.crawler.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Run the CrawlerMaster operator: keeps a StatefulSet and Services for each CrawlerMaster.")
public final class OperatorCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorCommand.class);

  @Option(
      names = "--master-image",
      defaultValue = "${env:CRAWLER_MASTER_IMAGE:-" + OperatorSettings.DEFAULT_MASTER_IMAGE + "}",
      description = "Image of master replicas whose CrawlerMaster names none (env CRAWLER_MASTER_IMAGE; default: ${DEFAULT-VALUE}).")
  String masterImage;

  @Option(
      names = "--namespace",
      split = ",",
      description = "Namespace(s) to watch, repeatable or comma-separated (env CRAWLER_WATCH_NAMESPACES). Default: all namespaces.",
      defaultValue = "${env:CRAWLER_WATCH_NAMESPACES}")
  List<String> namespaces;

  @Option(
      names = "--health-port",
      defaultValue = "8081",
      description = "Port of the /healthz and /readyz endpoints (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Override
  public Integer call() throws Exception {
    OperatorSettings settings = new OperatorSettings(masterImage,
        namespaces == null ? Set.of() : new LinkedHashSet<>(namespaces));
    KubernetesClient client = new KubernetesClientBuilder().build();
    Operator operator = CrawlerOperator.create(client, settings);
    HealthServer health = HealthServer.start(healthPort, operator.getRuntimeInfo());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        operator.stop();
      } finally {
        health.close();
        stopped.countDown();
      }
    }, "operator-shutdown"));
    LOG.info("Starting CrawlerMaster operator: master image {}, namespaces {}, health port {}",
        settings.masterImage(), settings.namespaces().isEmpty() ? "all" : settings.namespaces(), health.port());
    operator.start();
    stopped.await();
    return 0;
  }
}
