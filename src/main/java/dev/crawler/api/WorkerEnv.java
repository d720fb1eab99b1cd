package dev.crawler.api;

/**
 * Environment variables through which the operator configures a crawl worker ({@code worker}
 * subcommand); flags override them. The etcd settings are the masters' ({@link MasterEnv}): a
 * worker talks to the same etcd, under the same prefix, with the same TLS files and user.
 *
 * <p>Shared with {@link MasterEnv}: {@link MasterEnv#POD_NAME} (the worker id),
 * {@link MasterEnv#POD_IP}, {@link MasterEnv#ETCD_ENDPOINTS}, {@link MasterEnv#KEY_PREFIX},
 * {@link MasterEnv#ETCD_CA_FILE}, {@link MasterEnv#ETCD_CERT_FILE}, {@link MasterEnv#ETCD_KEY_FILE},
 * {@link MasterEnv#ETCD_USERNAME}, {@link MasterEnv#ETCD_PASSWORD_FILE},
 * {@link MasterEnv#ALLOW_PRIVATE_TARGETS}, {@link MasterEnv#BIND_ADDRESS}.
 */
public final class WorkerEnv {
  private WorkerEnv() {}

  /** TTL in seconds of the worker's own lease (its registration and liveness); default 5. */
  public static final String LEASE_TTL_SECONDS = "CRAWLER_WORKER_LEASE_TTL_SECONDS";
  /** Port serving {@link MasterPaths#HEALTHZ}, {@link MasterPaths#READYZ} and {@link MasterPaths#METRICS}. */
  public static final String PORT = "CRAWLER_WORKER_PORT";
  /** Directory the fetched pages' JSON lines are written to (rotated files); unset: stdout only. */
  public static final String OUTPUT_DIR = "CRAWLER_OUTPUT_DIR";
  /** Minimum milliseconds between two fetches from one host (robots.txt's Crawl-delay may raise it). */
  public static final String CRAWL_DELAY_MILLIS = "CRAWLER_CRAWL_DELAY_MILLIS";
  /** Resources crawled at once by one worker. */
  public static final String MAX_CONCURRENT_RESOURCES = "CRAWLER_MAX_CONCURRENT_RESOURCES";
  /** {@code false}: do not also print each page's JSON line on stdout (default true). */
  public static final String OUTPUT_STDOUT = "CRAWLER_OUTPUT_STDOUT";
}
