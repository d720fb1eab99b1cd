package dev.crawler.worker;

import dev.crawler.support.InvalidConfigException;
import dev.crawler.api.MasterEnv;
import dev.crawler.api.WorkerEnv;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.etcd.EtcdFileOptions;
import dev.crawler.master.MasterConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code worker}: crawl what the leader assigns (docs/worker-protocol.md). */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Run one crawl worker: register in etcd, crawl the resources the leader assigns to it, write"
        + " pages as JSON lines. Each flag falls back to the environment variable named with it.")
public final class WorkerCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--id", description = "Worker id, unique among the cluster's workers (env " + MasterEnv.POD_NAME + ").")
  String id;

  @Option(names = "--advertise-address", description = "host:port written into the registration (env "
      + MasterEnv.ADVERTISE_ADDRESS + "; default " + MasterEnv.POD_IP + ":port).")
  String advertiseAddress;

  @Option(names = "--etcd-endpoints", description = "Comma-separated etcd endpoints (env " + MasterEnv.ETCD_ENDPOINTS + ").")
  String etcdEndpoints;

  @Option(names = "--prefix", description = "The cluster's key prefix in etcd (env " + MasterEnv.KEY_PREFIX + ").")
  String prefix;

  @Option(names = "--lease-ttl", description = "TTL in seconds of the worker's lease (env " + WorkerEnv.LEASE_TTL_SECONDS
      + "; default " + WorkerConfig.DEFAULT_LEASE_TTL_SECONDS + "): a dead worker's resources move after about this long.")
  String leaseTtl;

  @Option(names = "--bind", description = "Address the probe and metrics server listens on (env " + MasterEnv.BIND_ADDRESS
      + ", default 0.0.0.0).")
  String bind;

  @Option(names = "--port", description = "Port of /healthz, /readyz and /metrics (env " + WorkerEnv.PORT + "; default "
      + WorkerConfig.DEFAULT_PORT + "; 0: any free port).")
  String port;

  @Option(names = "--output-dir", description = "Directory for the pages' JSON lines, rotated files (env "
      + WorkerEnv.OUTPUT_DIR + "; unset: none).")
  String outputDir;

  @Option(names = "--output-stdout", arity = "1", description = "Also print each page's JSON line on stdout (env "
      + WorkerEnv.OUTPUT_STDOUT + "; default true).")
  String outputStdout;

  @Option(names = "--crawl-delay-ms", description = "Milliseconds between two fetches from one host, at least (env "
      + WorkerEnv.CRAWL_DELAY_MILLIS + "; default " + WorkerConfig.DEFAULT_CRAWL_DELAY_MILLIS
      + "); robots.txt's Crawl-delay may raise it.")
  String crawlDelayMillis;

  @Option(names = "--max-concurrent-resources", description = "Resources crawled at once (env "
      + WorkerEnv.MAX_CONCURRENT_RESOURCES + "; default " + WorkerConfig.DEFAULT_MAX_CONCURRENT_RESOURCES + ").")
  String maxConcurrentResources;

  @Option(names = "--allow-private-targets", arity = "0..1", fallbackValue = "true",
      description = "Connect to loopback, private and link-local addresses (env " + MasterEnv.ALLOW_PRIVATE_TARGETS
          + "; default false). The rule applies to every address a name resolves to.")
  String allowPrivateTargets;

  @Option(names = "--max-body-bytes", description = "Largest page body kept (default " + PageFetcher.DEFAULT_MAX_BODY_BYTES
      + "); a larger page counts as a too_large error.")
  String maxBodyBytes;

  @Mixin EtcdFileOptions etcdFiles;

  private final Map<String, String> env;

  public WorkerCommand() {
    this(System.getenv());
  }

  WorkerCommand(Map<String, String> env) {
    this.env = env;
  }

  WorkerConfig config() {
    try {
      return WorkerConfig.resolve(new WorkerConfig.Flags(id, advertiseAddress, etcdEndpoints, prefix, leaseTtl, bind, port,
          outputDir, outputStdout, crawlDelayMillis, maxConcurrentResources, allowPrivateTargets, maxBodyBytes), env);
    } catch (InvalidConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  EtcdCredentials credentials() {
    try {
      return etcdFiles.files().resolve(env);
    } catch (InvalidConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  @Override
  public Integer call() throws Exception {
    CrawlWorker worker = CrawlWorker.start(config(), credentials());
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM: stop crawling, then revoke the lease, so the leader moves the resources at once.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
    return 0;
  }
}
