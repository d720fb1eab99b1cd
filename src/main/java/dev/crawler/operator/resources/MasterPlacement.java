package dev.crawler.operator.resources;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterSpec;
import dev.crawler.api.PodMetadataSpec;
import dev.crawler.api.SchedulingSpec;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodAffinityTerm;
import io.fabric8.kubernetes.api.model.PodAffinityTermBuilder;
import io.fabric8.kubernetes.api.model.PodAntiAffinity;
import io.fabric8.kubernetes.api.model.PodAntiAffinityBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the master pods may run ({@code spec.scheduling}, {@code spec.imagePullSecrets},
 * {@code spec.podMetadata}) put into their pod template: the anti-affinity that keeps one
 * CrawlerMaster's masters apart, the user's scheduling fields as given, and the user's labels and
 * annotations beneath the operator's own, which always win.
 */
public final class MasterPlacement {
  private MasterPlacement() {}

  /** Weight of the preferred anti-affinity term: the highest, so it outweighs the scheduler's other scores. */
  static final int PREFERRED_WEIGHT = 100;

  /** Sets the scheduling fields of {@code pod} from the spec. */
  static void apply(CrawlerMaster cm, PodSpec pod) {
    CrawlerMasterSpec spec = cm.getSpec();
    SchedulingSpec s = spec.getScheduling() == null ? new SchedulingSpec() : spec.getScheduling();
    pod.setAffinity(affinity(cm, s));
    pod.setTopologySpreadConstraints(nullIfEmpty(s.getTopologySpreadConstraints()));
    pod.setNodeSelector(s.getNodeSelector() == null || s.getNodeSelector().isEmpty() ? null : s.getNodeSelector());
    pod.setTolerations(nullIfEmpty(s.getTolerations()));
    pod.setPriorityClassName(s.getPriorityClassName());
    pod.setImagePullSecrets(nullIfEmpty(spec.getImagePullSecrets()));
  }

  /**
   * The user's affinity with this CrawlerMaster's anti-affinity term added: preferred (weight
   * {@value #PREFERRED_WEIGHT}) or required over {@code topologyKey}, selecting its own masters
   * only. Null when there is nothing to say.
   */
  static Affinity affinity(CrawlerMaster cm, SchedulingSpec s) {
    Affinity given = s.getAffinity();
    Affinity affinity = given == null ? new Affinity() : new AffinityBuilder(given).build();
    SchedulingSpec.PodAntiAffinity type = s.getPodAntiAffinity() == null
        ? SchedulingSpec.PodAntiAffinity.preferred
        : s.getPodAntiAffinity();
    if (type != SchedulingSpec.PodAntiAffinity.disabled) {
      String key = s.getTopologyKey() == null || s.getTopologyKey().isBlank()
          ? SchedulingSpec.DEFAULT_TOPOLOGY_KEY
          : s.getTopologyKey();
      PodAffinityTerm term = new PodAffinityTermBuilder()
          .withLabelSelector(new LabelSelectorBuilder().withMatchLabels(MasterResources.selectorLabels(cm)).build())
          .withTopologyKey(key)
          .build();
      PodAntiAffinity anti = affinity.getPodAntiAffinity() == null
          ? new PodAntiAffinity()
          : new PodAntiAffinityBuilder(affinity.getPodAntiAffinity()).build();
      if (type == SchedulingSpec.PodAntiAffinity.required) {
        List<PodAffinityTerm> required = new ArrayList<>();
        required.add(term);
        if (anti.getRequiredDuringSchedulingIgnoredDuringExecution() != null) {
          required.addAll(anti.getRequiredDuringSchedulingIgnoredDuringExecution());
        }
        anti.setRequiredDuringSchedulingIgnoredDuringExecution(required);
      } else {
        List<WeightedPodAffinityTerm> preferred = new ArrayList<>();
        preferred.add(new WeightedPodAffinityTerm(term, PREFERRED_WEIGHT));
        if (anti.getPreferredDuringSchedulingIgnoredDuringExecution() != null) {
          preferred.addAll(anti.getPreferredDuringSchedulingIgnoredDuringExecution());
        }
        anti.setPreferredDuringSchedulingIgnoredDuringExecution(preferred);
      }
      affinity.setPodAntiAffinity(anti);
    }
    boolean empty = affinity.getNodeAffinity() == null && affinity.getPodAffinity() == null
        && affinity.getPodAntiAffinity() == null;
    return empty ? null : affinity;
  }

  /** The user's pod labels with the operator's on top. */
  static Map<String, String> podLabels(CrawlerMaster cm, Map<String, String> own) {
    return merged(cm.getSpec().getPodMetadata() == null ? null : cm.getSpec().getPodMetadata().getLabels(), own);
  }

  /** The user's pod annotations with the operator's on top. */
  static Map<String, String> podAnnotations(CrawlerMaster cm, Map<String, String> own) {
    PodMetadataSpec m = cm.getSpec().getPodMetadata();
    return merged(m == null ? null : m.getAnnotations(), own);
  }

  private static Map<String, String> merged(Map<String, String> user, Map<String, String> own) {
    Map<String, String> out = new LinkedHashMap<>();
    if (user != null) {
      user.forEach((k, v) -> {
        if (!reserved(k)) {
          out.put(k, v);
        }
      });
    }
    out.putAll(own);
    return out;
  }

  /** Keys the operator owns whether it sets them now or not (the role label is set on pods later). */
  static boolean reserved(String key) {
    return key.startsWith("app.kubernetes.io/") || key.startsWith("crawler.dev/");
  }

  private static <T> List<T> nullIfEmpty(List<T> list) {
    return list == null || list.isEmpty() ? null : list;
  }
}
