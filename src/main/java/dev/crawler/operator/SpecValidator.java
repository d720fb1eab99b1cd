package dev.crawler.operator;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.CrawlerMasterSpec;
import dev.crawler.api.EtcdEndpoints;
import dev.crawler.api.KeyLayout;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;

/**
 * Checks what the CRD schema cannot: that every etcd endpoint is usable ({@link EtcdEndpoints}),
 * that the key prefix lies in the namespace's own subtree (the second line behind the admission
 * policy in {@code crds/}), and that no two CrawlerMasters on the same etcd use overlapping key
 * prefixes. Returns the first problem as a message that starts with the offending field, or empty
 * when the spec is usable.
 */
public final class SpecValidator {
  private SpecValidator() {}

  /**
   * Orders CrawlerMasters by age, then namespace and name. Of two conflicting CrawlerMasters only
   * the younger one is invalid, so a running cluster never stops being managed because someone
   * created a conflicting one; every reconcile of either side reaches the same verdict.
   */
  static final Comparator<CrawlerMaster> SENIORITY =
      Comparator.comparing(SpecValidator::createdAt)
          .thenComparing(cm -> Objects.toString(cm.getMetadata().getNamespace(), ""))
          .thenComparing(cm -> cm.getMetadata().getName());

  /**
   * @param cm the CrawlerMaster to check
   * @param others CrawlerMasters known to the operator (may include {@code cm} itself)
   */
  public static Optional<String> validate(CrawlerMaster cm, Collection<CrawlerMaster> others) {
    return validate(cm, others, Optional.empty(), SpecValidator::shareAnEndpoint);
  }

  /**
   * @param keyPrefixRoot when present, the key prefix must lie under {@code <root>/<namespace>/}
   * @param sameEtcd whether two CrawlerMasters use the same etcd cluster
   */
  public static Optional<String> validate(
      CrawlerMaster cm,
      Collection<CrawlerMaster> others,
      Optional<String> keyPrefixRoot,
      BiPredicate<CrawlerMaster, CrawlerMaster> sameEtcd) {
    Optional<String> own = validateOwn(cm);
    if (own.isPresent()) {
      return own;
    }
    Optional<String> tenant = keyPrefixRoot.flatMap(root -> outsideItsNamespace(cm, root));
    if (tenant.isPresent()) {
      return tenant;
    }
    return conflict(cm, others, sameEtcd);
  }

  static Optional<String> outsideItsNamespace(CrawlerMaster cm, String root) {
    String namespace = cm.getMetadata().getNamespace();
    KeyLayout layout = cm.keyLayout();
    if (layout.liesIn(root, namespace)) {
      return Optional.empty();
    }
    return Optional.of("spec.etcd.keyPrefix: " + layout.prefix() + " lies outside "
        + KeyLayout.tenantSubtree(root, namespace) + ", the subtree of namespace " + namespace
        + "; use a prefix under it (or leave keyPrefix unset)");
  }

  static Optional<String> validateOwn(CrawlerMaster cm) {
    CrawlerMasterSpec spec = cm.getSpec();
    if (spec == null) {
      return Optional.of("spec: missing");
    }
    if (spec.getEtcd() == null) {
      return Optional.of("spec.etcd: missing; give at least one endpoint, e.g. http://etcd.crawler-system:2379");
    }
    List<String> endpoints = spec.getEtcd().getEndpoints();
    if (endpoints == null || endpoints.isEmpty()) {
      return Optional.of("spec.etcd.endpoints: empty; give at least one endpoint, e.g. http://etcd.crawler-system:2379");
    }
    for (int i = 0; i < endpoints.size(); i++) {
      Optional<String> problem = EtcdEndpoints.problem(endpoints.get(i));
      if (problem.isPresent()) {
        return Optional.of("spec.etcd.endpoints[" + i + "]: \"" + endpoints.get(i) + "\" " + problem.get()
            + "; use http://host:port or https://host:port (an IPv6 host in brackets: http://[fd00::10]:2379)");
      }
    }
    long https = endpoints.stream().filter(e -> EtcdEndpoints.parse(e).getScheme().equals("https")).count();
    if (https != 0 && https != endpoints.size()) {
      return Optional.of("spec.etcd.endpoints: mixes http:// and https://; one etcd speaks one of them");
    }
    if (spec.getEtcd().getTls() != null && https == 0) {
      return Optional.of("spec.etcd.tls: set, but the endpoints use http://; use https:// endpoints for TLS");
    }
    try {
      cm.keyLayout();
    } catch (IllegalArgumentException e) {
      return Optional.of("spec.etcd.keyPrefix: " + e.getMessage());
    }
    return Optional.empty();
  }

  static Optional<String> conflict(
      CrawlerMaster cm, Collection<CrawlerMaster> others, BiPredicate<CrawlerMaster, CrawlerMaster> sameEtcd) {
    KeyLayout mine = cm.keyLayout();
    // Runs on every reconcile against every CrawlerMaster: the cheap prefix test first, so the
    // full validation of the others (endpoint parsing) runs only for the few that overlap.
    return others.stream()
        .filter(other -> overlaps(other, mine))
        .filter(other -> !sameObject(cm, other))
        .filter(other -> validateOwn(other).isEmpty())
        .filter(other -> SENIORITY.compare(other, cm) < 0)
        .filter(other -> sameEtcd.test(other, cm))
        .min(SENIORITY)
        .map(older -> "spec.etcd.keyPrefix: " + mine.prefix()
            + (cm.getSpec().getEtcd().getKeyPrefix() == null ? " (the default)" : "")
            + " overlaps " + older.keyLayout().prefix() + " of CrawlerMaster "
            + older.getMetadata().getNamespace() + "/" + older.getMetadata().getName()
            + " on the same etcd; set a keyPrefix that neither contains nor lies below the other's");
  }

  /**
   * The fallback test of "same etcd" while etcd's cluster ids are unknown: a shared endpoint
   * (host:port, case-insensitive). Different names for one etcd are only caught by the cluster id.
   */
  static boolean shareAnEndpoint(CrawlerMaster a, CrawlerMaster b) {
    Set<String> mine = etcdServers(a);
    return etcdServers(b).stream().anyMatch(mine::contains);
  }

  static Set<String> etcdServers(CrawlerMaster cm) {
    return cm.getSpec().getEtcd().getEndpoints().stream()
        .map(EtcdEndpoints::parse)
        .map(uri -> uri.getHost().toLowerCase(Locale.ROOT) + ":" + uri.getPort())
        .collect(Collectors.toSet());
  }

  /** Whether {@code other}'s key prefix overlaps {@code mine}; an unreadable prefix overlaps nothing (it is invalid). */
  private static boolean overlaps(CrawlerMaster other, KeyLayout mine) {
    try {
      return other.getSpec() != null && other.getSpec().getEtcd() != null && other.keyLayout().overlaps(mine);
    } catch (IllegalArgumentException invalid) {
      return false;
    }
  }

  private static boolean sameObject(CrawlerMaster a, CrawlerMaster b) {
    return Objects.equals(a.getMetadata().getNamespace(), b.getMetadata().getNamespace())
        && Objects.equals(a.getMetadata().getName(), b.getMetadata().getName());
  }

  /** Objects not yet created (no timestamp) count as the youngest. */
  private static Instant createdAt(CrawlerMaster cm) {
    String ts = cm.getMetadata().getCreationTimestamp();
    if (ts == null) {
      return Instant.MAX;
    }
    try {
      return Instant.parse(ts);
    } catch (DateTimeParseException e) {
      return Instant.MAX;
    }
  }
}
