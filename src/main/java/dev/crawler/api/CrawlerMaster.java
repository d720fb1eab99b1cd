package dev.crawler.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A highly available crawler master cluster: N replicas, one leader elected through etcd. */
@Group(CrawlerMaster.GROUP)
@Version(CrawlerMaster.VERSION)
@Kind("CrawlerMaster")
@Plural("crawlermasters")
@ShortNames("cmaster")
@Categories("crawler")
@JsonClassDescription(
    "A highly available crawler master cluster: replicas that elect one leader through etcd. The"
        + " leader assigns crawl resources to workers; the others forward requests to it.")
@AdditionalPrinterColumn(name = "Replicas", jsonPath = ".spec.replicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyReplicas", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Leader", jsonPath = ".status.leader", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Term", jsonPath = ".status.term", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Workers", jsonPath = ".status.workers", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class CrawlerMaster extends CustomResource<CrawlerMasterSpec, CrawlerMasterStatus>
    implements Namespaced {
  public static final String GROUP = "crawler.dev";
  public static final String VERSION = "v1alpha1";
  /**
   * Asks the operator for one planned leader change: the value names the pod (replica id) that
   * should lead, or {@link #SWITCHOVER_TO_ANY} for the next ready follower. The operator removes
   * the annotation, asks the leader, and reports the outcome in the {@code Switchover} condition and
   * an Event; it does not retry.
   */
  public static final String SWITCHOVER_TO_ANNOTATION = GROUP + "/switchover-to";
  public static final String SWITCHOVER_TO_ANY = "any";

  @Override
  @JsonPropertyDescription("Desired state of the master cluster.")
  public CrawlerMasterSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonPropertyDescription("Observed state, written by the operator: replicas, the current leader and its term, conditions.")
  public CrawlerMasterStatus getStatus() {
    return super.getStatus();
  }

  /** The etcd keys of this cluster: the spec's keyPrefix, else /crawler/namespace/name. */
  public KeyLayout keyLayout() {
    String prefix = getSpec() == null || getSpec().getEtcd() == null ? null : getSpec().getEtcd().getKeyPrefix();
    if (prefix == null || prefix.isBlank()) {
      return KeyLayout.defaultFor(getMetadata().getNamespace(), getMetadata().getName());
    }
    return new KeyLayout(prefix);
  }
}
