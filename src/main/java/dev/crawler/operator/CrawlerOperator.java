package dev.crawler.operator;

import dev.crawler.operator.settings.OperatorSettings;
import dev.crawler.operator.etcd.ElectionEventSource;
import dev.crawler.operator.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Builds the JOSDK Operator with the CrawlerMaster controller registered. Production uses JOSDK's
 * defaults, which apply dependents and status with server-side apply; tests against a server that
 * lacks SSA (the fabric8 mock server) switch it off through {@link Options#withOverrides}.
 */
public final class CrawlerOperator {
  private CrawlerOperator() {}

  /**
   * What to build the operator with; every part but the settings has a default.
   *
   * @param metrics fed by the reconciler; serve it with {@link HealthServer}
   * @param overrides JOSDK configuration on top of the client
   * @param electionEvents the election event source to register; the Operator stops it when it stops
   */
  public record Options(
      OperatorSettings settings,
      OperatorMetrics metrics,
      Consumer<ConfigurationServiceOverrider> overrides,
      ElectionEventSource electionEvents) {

    public Options {
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(overrides, "overrides");
    }

    /** New metrics and a new election event source, JOSDK's defaults. */
    public static Options of(OperatorSettings settings) {
      return new Options(settings, null, overrider -> {}, null);
    }

    public Options withMetrics(OperatorMetrics metrics) {
      return new Options(settings, metrics, overrides, electionEvents);
    }

    public Options withOverrides(Consumer<ConfigurationServiceOverrider> overrides) {
      return new Options(settings, metrics, overrides, electionEvents);
    }

    public Options withElectionEvents(ElectionEventSource electionEvents) {
      return new Options(settings, metrics, overrides, electionEvents);
    }
  }

  public static Operator create(KubernetesClient client, Options options) {
    Operator operator = new Operator(overrider -> {
      overrider.withKubernetesClient(client);
      options.overrides().accept(overrider);
    });
    Clock clock = Clock.systemUTC();
    OperatorSettings settings = options.settings();
    ElectionEventSource electionEvents =
        options.electionEvents() == null ? new ElectionEventSource() : options.electionEvents();
    OperatorMetrics metrics = options.metrics() == null ? new OperatorMetrics() : options.metrics();
    metrics.follow(electionEvents);
    operator.register(
        new CrawlerMasterReconciler(settings, new EventRecorder(client, clock), clock, electionEvents, metrics),
        controller -> {
          if (!settings.namespaces().isEmpty()) {
            controller.settingNamespaces(settings.namespaces());
          }
        });
    return operator;
  }
}
