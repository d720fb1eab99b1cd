package dev.crawler.worker;

import dev.crawler.support.Settings;
import dev.crawler.etcd.EtcdFiles;
import dev.crawler.api.ElectionSpec;
import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterEnv;
import dev.crawler.api.WorkerEnv;
import dev.crawler.master.MasterConfig;
import dev.crawler.support.InvalidConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A worker's validated settings. Flags win over environment variables ({@link WorkerEnv}, {@link MasterEnv}). */
public record WorkerConfig(
    String id,
    String advertiseAddress,
    List<URI> etcdEndpoints,
    KeyLayout layout,
    Duration leaseTtl,
    String bindHost,
    int port,
    Path outputDir,
    boolean outputStdout,
    long crawlDelayMillis,
    int maxConcurrentResources,
    boolean allowPrivateTargets,
    int maxBodyBytes) {

  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_LEASE_TTL_SECONDS = 5;
  public static final int DEFAULT_CRAWL_DELAY_MILLIS = 500;
  public static final int DEFAULT_MAX_CONCURRENT_RESOURCES = 4;

  /** The flags as given (null: not given). */
  public record Flags(
      String id,
      String advertiseAddress,
      String etcdEndpoints,
      String prefix,
      String leaseTtlSeconds,
      String bindHost,
      String port,
      String outputDir,
      String outputStdout,
      String crawlDelayMillis,
      String maxConcurrentResources,
      String allowPrivateTargets,
      String maxBodyBytes) {}

  public static WorkerConfig resolve(Flags f, Map<String, String> env) throws InvalidConfigException {
    String id = Settings.required(f.id(), "--id", env, MasterEnv.POD_NAME);
    if (!id.matches("[A-Za-z0-9]([-A-Za-z0-9._]{0,251}[A-Za-z0-9])?")) {
      throw new InvalidConfigException(
          "invalid --id (or " + MasterEnv.POD_NAME + ") '" + id + "': use letters, digits, '-', '.', '_'");
    }
    List<URI> endpoints = EtcdFiles.endpoints(
        Settings.required(f.etcdEndpoints(), "--etcd-endpoints", env, MasterEnv.ETCD_ENDPOINTS));
    String prefix = Settings.required(f.prefix(), "--prefix", env, MasterEnv.KEY_PREFIX);
    KeyLayout layout;
    try {
      layout = new KeyLayout(prefix);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("invalid --prefix (or " + MasterEnv.KEY_PREFIX + "): " + e.getMessage());
    }
    int ttl = Settings.integer(Settings.pick(f.leaseTtlSeconds(), env, WorkerEnv.LEASE_TTL_SECONDS),
        "--lease-ttl", WorkerEnv.LEASE_TTL_SECONDS, DEFAULT_LEASE_TTL_SECONDS,
        ElectionSpec.MIN_LEASE_TTL_SECONDS, ElectionSpec.MAX_LEASE_TTL_SECONDS);
    int port = Settings.integer(Settings.pick(f.port(), env, WorkerEnv.PORT), "--port", WorkerEnv.PORT,
        DEFAULT_PORT, 0, 65535);
    String bind = Settings.pick(f.bindHost(), env, MasterEnv.BIND_ADDRESS);
    String advertise = Settings.pick(f.advertiseAddress(), env, MasterEnv.ADVERTISE_ADDRESS);
    if (advertise == null) {
      String ip = env.get(MasterEnv.POD_IP);
      advertise = (ip == null || ip.isBlank() ? (bind == null ? "127.0.0.1" : bind) : ip) + ":" + port;
    }
    String out = Settings.pick(f.outputDir(), env, WorkerEnv.OUTPUT_DIR);
    boolean stdout = bool(Settings.pick(f.outputStdout(), env, WorkerEnv.OUTPUT_STDOUT), "--output-stdout",
        WorkerEnv.OUTPUT_STDOUT, true);
    int delay = Settings.integer(Settings.pick(f.crawlDelayMillis(), env, WorkerEnv.CRAWL_DELAY_MILLIS),
        "--crawl-delay-ms", WorkerEnv.CRAWL_DELAY_MILLIS, DEFAULT_CRAWL_DELAY_MILLIS, 0, 60_000);
    int concurrent = Settings.integer(
        Settings.pick(f.maxConcurrentResources(), env, WorkerEnv.MAX_CONCURRENT_RESOURCES),
        "--max-concurrent-resources", WorkerEnv.MAX_CONCURRENT_RESOURCES, DEFAULT_MAX_CONCURRENT_RESOURCES, 1, 64);
    boolean allowPrivate = bool(Settings.pick(f.allowPrivateTargets(), env, MasterEnv.ALLOW_PRIVATE_TARGETS),
        "--allow-private-targets", MasterEnv.ALLOW_PRIVATE_TARGETS, false);
    int maxBody = Settings.integer(f.maxBodyBytes(), "--max-body-bytes", "(no variable)",
        PageFetcher.DEFAULT_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024);
    return new WorkerConfig(id, Settings.bracketIpv6(advertise), endpoints, layout, Duration.ofSeconds(ttl),
        bind == null ? "0.0.0.0" : bind, port, out == null ? null : Path.of(out), stdout, delay, concurrent,
        allowPrivate, maxBody);
  }

  private static boolean bool(String value, String flag, String var, boolean dflt) throws InvalidConfigException {
    if (value == null) {
      return dflt;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw new InvalidConfigException("invalid " + flag + " (or " + var + ") '" + value + "': expected true or false");
  }
}
