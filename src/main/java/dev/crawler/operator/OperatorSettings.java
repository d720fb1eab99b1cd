package dev.crawler.operator;

import dev.crawler.api.CrawlerMaster;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Objects;
import java.util.Set;

/**
 * How this operator instance is configured (from the {@code operator} subcommand's flags).
 *
 * @param masterImage image of master replicas whose spec names none
 * @param namespaces namespaces to watch; empty means all namespaces
 * @param revokeDeadLeader revoke the etcd lease of a leader whose pod shows its process gone
 */
public record OperatorSettings(String masterImage, Set<String> namespaces, boolean revokeDeadLeader) {
  public static final String DEFAULT_MASTER_IMAGE = "crawler-master:latest";

  public OperatorSettings {
    Objects.requireNonNull(masterImage, "masterImage");
    namespaces = Set.copyOf(namespaces);
  }

  /** With the dead-leader revoke on, the default. */
  public OperatorSettings(String masterImage, Set<String> namespaces) {
    this(masterImage, namespaces, true);
  }

  public static OperatorSettings defaults() {
    return new OperatorSettings(DEFAULT_MASTER_IMAGE, Set.of());
  }

  /**
   * Hands these settings down to the dependents of one reconcile. JOSDK instantiates dependents
   * itself, so the reconcile's context is how a value reaches their {@code desired()}.
   */
  void passTo(Context<CrawlerMaster> context) {
    context.managedWorkflowAndDependentResourceContext().put(OperatorSettings.class, this);
  }

  /** The settings {@link #passTo} gave this reconcile. */
  static OperatorSettings of(Context<CrawlerMaster> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(OperatorSettings.class, OperatorSettings.class);
  }
}
