package dev.crawler.api;

import java.util.Objects;

/**
 * Where one master cluster keeps its state in etcd. Everything lives under one prefix so that
 * clusters sharing an etcd never see each other's keys. Nothing but candidates may live under
 * {@link #election()}: etcd's election recipe counts every key there as a candidate.
 */
public record KeyLayout(String prefix) {

  public KeyLayout {
    Objects.requireNonNull(prefix, "prefix");
    if (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.length() < 2) {
      throw new IllegalArgumentException(
          "key prefix must start with '/' and must not end with '/': " + prefix);
    }
  }

  /**
   * Every namespace owns the subtree {@code <root>/<namespace>/} of a shared etcd; a
   * CrawlerMaster's prefix must lie in its own namespace's subtree. The admission policy in
   * {@code crds/} enforces this for the default root; the operator's {@code --key-prefix-root}
   * changes or disables it for single-tenant installs.
   */
  public static final String TENANT_ROOT = "/crawler";

  /** The default prefix of a CrawlerMaster: {@code /crawler/<namespace>/<name>}. */
  public static KeyLayout defaultFor(String namespace, String name) {
    return new KeyLayout(TENANT_ROOT + "/" + namespace + "/" + name);
  }

  /** The subtree of {@code namespace} under {@code root}, with the trailing slash. */
  public static String tenantSubtree(String root, String namespace) {
    return root + "/" + namespace + "/";
  }

  /** True when this prefix lies in {@code namespace}'s subtree under {@code root}. */
  public boolean liesIn(String root, String namespace) {
    String subtree = tenantSubtree(root, namespace);
    return prefix.startsWith(subtree) && prefix.length() > subtree.length();
  }

  /** The election name handed to jetcd's Election API; candidates' keys are {@code <election>/<lease hex>}. */
  public String election() {
    return prefix + "/election";
  }

  /** Workers register under {@code <workersDir><id>}, each key bound to the worker's own lease. */
  public String workersDir() {
    return prefix + "/workers/";
  }

  /** Crawl resources live under {@code <resourcesDir><name>}. */
  public String resourcesDir() {
    return prefix + "/resources/";
  }

  /**
   * Crawl progress of each resource lives under {@code <progressDir><name>}: written by the worker
   * the resource is assigned to, read by the worker it moves to, deleted with the resource.
   */
  public String progressDir() {
    return prefix + "/progress/";
  }

  public String progress(String name) {
    return progressDir() + name;
  }

  public String worker(String id) {
    return workersDir() + id;
  }

  public String resource(String name) {
    return resourcesDir() + name;
  }

  /** True when the two prefixes would share keys (one is the other or lies below it). */
  public boolean overlaps(KeyLayout other) {
    String a = prefix + "/";
    String b = other.prefix + "/";
    return a.startsWith(b) || b.startsWith(a);
  }
}
