package dev.crawler.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Builds the JOSDK Operator with the CrawlerMaster controller registered. Production uses JOSDK's
 * defaults, which apply dependents and status with server-side apply; tests against a server that
 * lacks SSA (the fabric8 mock server) switch it off through {@code overrides}.
 */
public final class CrawlerOperator {
  private CrawlerOperator() {}

  public static Operator create(KubernetesClient client, OperatorSettings settings) {
    return create(client, settings, new OperatorMetrics(), overrider -> {});
  }

  public static Operator create(
      KubernetesClient client, OperatorSettings settings, Consumer<ConfigurationServiceOverrider> overrides) {
    return create(client, settings, new OperatorMetrics(), overrides, new ElectionEventSource());
  }

  /** {@code metrics} is fed by the reconciler; serve it with {@link HealthServer}. */
  public static Operator create(
      KubernetesClient client,
      OperatorSettings settings,
      OperatorMetrics metrics,
      Consumer<ConfigurationServiceOverrider> overrides) {
    return create(client, settings, metrics, overrides, new ElectionEventSource());
  }

  /** @param leaderWatch the election watch to register; the Operator stops it when it stops */
  public static Operator create(
      KubernetesClient client,
      OperatorSettings settings,
      Consumer<ConfigurationServiceOverrider> overrides,
      ElectionEventSource leaderWatch) {
    return create(client, settings, new OperatorMetrics(), overrides, leaderWatch);
  }

  public static Operator create(
      KubernetesClient client,
      OperatorSettings settings,
      OperatorMetrics metrics,
      Consumer<ConfigurationServiceOverrider> overrides,
      ElectionEventSource leaderWatch) {
    Operator operator = new Operator(overrider -> {
      overrider.withKubernetesClient(client);
      overrides.accept(overrider);
    });
    Clock clock = Clock.systemUTC();
    operator.register(
        new CrawlerMasterReconciler(
            settings, new EventRecorder(client, clock), clock, leaderWatch, metrics),
        controller -> {
          if (!settings.namespaces().isEmpty()) {
            controller.settingNamespaces(settings.namespaces());
          }
        });
    return operator;
  }
}
