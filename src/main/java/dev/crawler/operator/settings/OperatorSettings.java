package dev.crawler.operator.settings;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.KeyLayout;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How this operator instance is configured (from the {@code operator} subcommand's flags).
 *
 * @param masterImage image of master replicas whose spec names none
 * @param namespaces namespaces to watch; empty means all namespaces
 * @param revokeDeadLeader revoke the etcd lease of a leader whose pod shows its process gone
 * @param keyPrefixRoot every keyPrefix must lie under {@code <root>/<its namespace>/} ({@link
 *     KeyLayout#liesIn}); empty when any prefix is allowed (single-tenant installs)
 */
public record OperatorSettings(
    String masterImage, Set<String> namespaces, boolean revokeDeadLeader, Optional<String> keyPrefixRoot) {
  public static final String DEFAULT_MASTER_IMAGE = "crawler-master:latest";

  public OperatorSettings {
    Objects.requireNonNull(masterImage, "masterImage");
    namespaces = Set.copyOf(namespaces);
    Objects.requireNonNull(keyPrefixRoot, "keyPrefixRoot");
  }

  /** Tenants confined to {@code /crawler/<namespace>/}. */
  public OperatorSettings(String masterImage, Set<String> namespaces, boolean revokeDeadLeader) {
    this(masterImage, namespaces, revokeDeadLeader, Optional.of(KeyLayout.TENANT_ROOT));
  }

  /** The defaults: the dead-leader revoke on, tenants confined to {@code /crawler/<namespace>/}. */
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
  public void passTo(Context<CrawlerMaster> context) {
    context.managedWorkflowAndDependentResourceContext().put(OperatorSettings.class, this);
  }

  /** The settings {@link #passTo} gave this reconcile. */
  public static OperatorSettings of(Context<CrawlerMaster> context) {
    return context.managedWorkflowAndDependentResourceContext().getMandatory(OperatorSettings.class, OperatorSettings.class);
  }
}
