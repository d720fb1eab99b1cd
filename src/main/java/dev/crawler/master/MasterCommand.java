package dev.crawler.master;

import dev.crawler.support.InvalidConfigException;
import dev.crawler.etcd.EtcdFileOptions;
import dev.crawler.api.ElectionSpec;
import dev.crawler.api.MasterEnv;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.master.failover.LeaderProbe;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code master}: runs one replica until SIGTERM, then hands leadership over before exiting. */
@Command(
    name = "master",
    mixinStandardHelpOptions = true,
    description = "Run one crawler master replica. Each flag falls back to the environment variable named with it.")
public final class MasterCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--id", description = "Replica id, unique in the cluster (env " + MasterEnv.POD_NAME + ").")
  String id;

  @Option(
      names = "--advertise-address",
      description = "host:port other replicas use to reach this one (env " + MasterEnv.ADVERTISE_ADDRESS
          + "; default " + MasterEnv.POD_IP + ":port).")
  String advertiseAddress;

  @Option(
      names = "--etcd-endpoints",
      description = "Comma-separated etcd endpoints, e.g. http://etcd:2379 (env " + MasterEnv.ETCD_ENDPOINTS + ").")
  String etcdEndpoints;

  @Option(names = "--prefix", description = "The cluster's key prefix in etcd (env " + MasterEnv.KEY_PREFIX + ").")
  String prefix;

  @Option(
      names = "--lease-ttl",
      description = "Lease TTL in seconds, " + ElectionSpec.MIN_LEASE_TTL_SECONDS + "-" + ElectionSpec.MAX_LEASE_TTL_SECONDS
          + " (env " + MasterEnv.LEASE_TTL_SECONDS + "; default " + MasterConfig.DEFAULT_LEASE_TTL_SECONDS + ").")
  String leaseTtl;

  @Option(names = "--bind", description = "Address the HTTP server listens on (env " + MasterEnv.BIND_ADDRESS + ", default 0.0.0.0).")
  String bind;

  @Option(names = "--port", description = "HTTP port (env " + MasterEnv.PORT + "; default " + MasterConfig.DEFAULT_PORT + ").")
  String port;

  @Option(
      names = "--probe-leader",
      paramLabel = "true|false",
      description = "As a follower, probe the leader's port every " + LeaderProbe.DEFAULT_INTERVAL_MILLIS + " ms and revoke its lease when the"
          + " connection is refused twice in a row (its process is gone) (env " + MasterEnv.PROBE_LEADER + "; default true).")
  String probeLeader;

  @Option(
      names = "--revoke-previous-lease",
      paramLabel = "true|false",
      description = "At start, revoke election leases an earlier run of this replica (same --id) left behind"
          + " (env " + MasterEnv.REVOKE_PREVIOUS_LEASE + "; default true).")
  String revokePreviousLease;

  @Mixin EtcdFileOptions etcdFiles;

  @Option(
      names = "--probe-port",
      description = "Port serving only /healthz, /readyz and /metrics, with threads of its own, so a busy API"
          + " port cannot fail the probes (env " + MasterEnv.PROBE_PORT + "; default: none, probes on the API port).")
  String probePort;

  @Option(
      names = "--peer-service",
      description = "Headless Service of this cluster: followers forward to the leader only if its address is an IP"
          + " this name resolves to, or <pod>.<name>, on the API port (env " + MasterEnv.PEER_SERVICE
          + "; set by the operator).")
  String peerService;

  @Option(
      names = "--peers",
      description = "Comma-separated host:port of every replica: followers forward only to one of them (env "
          + MasterEnv.PEERS + "). Without this and --peer-service: only to this replica's own advertised host.")
  String peers;

  @Option(
      names = "--allow-private-targets",
      arity = "0..1",
      fallbackValue = "true",
      description = "Accept resource URLs that name loopback, private or link-local addresses or localhost (env "
          + MasterEnv.ALLOW_PRIVATE_TARGETS + "; default false: refused with 400). Workers must check the address"
          + " they connect to as well: names are not resolved here.")
  String allowPrivateTargets;

  private final Map<String, String> env;

  public MasterCommand() {
    this(System.getenv());
  }

  MasterCommand(Map<String, String> env) {
    this.env = env;
  }

  MasterConfig config() {
    try {
      return MasterConfig.resolve(
          new MasterConfig.Flags(
              id, advertiseAddress, etcdEndpoints, prefix, leaseTtl, bind, port, probePort, peerService, peers,
              allowPrivateTargets),
          env);
    } catch (InvalidConfigException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  DeadLeaderDetectors detectors() {
    try {
      return DeadLeaderDetectors.resolve(probeLeader, revokePreviousLease, env);
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
    MasterConfig config = config();
    MasterReplica replica = MasterReplica.start(config, detectors(), credentials());
    CountDownLatch stopped = new CountDownLatch(1);
    // SIGTERM: stop leader work, resign, revoke the lease, then let the JVM exit, so a follower
    // takes over in milliseconds instead of after the TTL.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  replica.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return 0;
  }
}
