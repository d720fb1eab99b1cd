package dev.crawler.master;

import dev.crawler.etcd.EtcdFiles;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.election.CandidateInfo;
import dev.crawler.master.failover.LeaderProbe;
import dev.crawler.master.leadership.LeadershipLoop;
import dev.crawler.master.failover.PreviousIncarnation;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running replica: etcd client, leadership loop with the assigner as leader work, HTTP API. */
public final class MasterReplica implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MasterReplica.class);
  private static final Duration REVOKE_TIMEOUT = Duration.ofSeconds(2);

  private final Client client;
  private final LeadershipLoop loop;
  private final ApiServer api;
  private final AutoCloseable probe;

  private MasterReplica(Client client, LeadershipLoop loop, ApiServer api, AutoCloseable probe) {
    this.client = client;
    this.loop = loop;
    this.api = api;
    this.probe = probe;
  }

  public static MasterReplica start(MasterConfig config) throws IOException {
    return start(config, DeadLeaderDetectors.ALL);
  }

  public static MasterReplica start(MasterConfig config, DeadLeaderDetectors detectors) throws IOException {
    return start(config, detectors, EtcdCredentials.NONE);
  }

  /** @param credentials TLS material and etcd user, already read and checked ({@link EtcdFiles}) */
  public static MasterReplica start(MasterConfig config, DeadLeaderDetectors detectors, EtcdCredentials credentials)
      throws IOException {
    // A restarted replica comes back with a new pod IP; followers check the leader's IP against
    // the headless Service, so they must not trust a lookup for long (the JDK default is 30 s).
    java.security.Security.setProperty("networkaddress.cache.ttl", "5");
    Client client;
    try {
      client = credentials.connect(config.etcdEndpoints(), Duration.ofSeconds(2));
    } catch (EtcdCredentials.InvalidMaterialException e) {
      throw new IllegalArgumentException("etcd TLS material: " + e.getMessage(), e);
    }
    ClusterStore store = new ClusterStore(client.getKVClient(), config.layout());
    MasterMetrics metrics = new MasterMetrics();
    LeadershipLoop loop =
        new LeadershipLoop(
            client,
            config.layout().election(),
            new CandidateInfo(config.id(), config.advertiseAddress()),
            config.leaseTtl(),
            new Assigner(store, client.getWatchClient()),
            metrics);
    metrics.bind(loop);
    ApiServer api;
    try {
      api =
          new ApiServer(
              new InetSocketAddress(config.bindHost(), config.port()),
              config.probePort() == 0 ? null : new InetSocketAddress(config.bindHost(), config.probePort()),
              loop,
              store,
              metrics,
              new LeaderForwarder(loop, config.peers(), metrics),
              config.crawlTargets());
      api.start();
    } catch (IOException | RuntimeException e) {
      // A port may be in use: release what was built so far (the loop has not started).
      loop.close();
      client.close();
      throw e;
    }
    if (detectors.revokePreviousLease()) {
      PreviousIncarnation.cleanUp(loop.election(), config.id(), REVOKE_TIMEOUT, metrics);
    }
    loop.start();
    AutoCloseable probe = () -> {};
    if (detectors.probeLeader()) {
      // Only an address of this cluster's replicas is probed: a value anyone wrote into the
      // election must not make followers connect anywhere (see Peers).
      LeaderProbe p = new LeaderProbe(
          () -> loop.lastSeenLeader().filter(l -> config.peers().check(l.info().get().address()).target() != null),
          config.id(), loop.election(),
          LeaderProbe.DEFAULT_INTERVAL, REVOKE_TIMEOUT, metrics);
      p.start();
      probe = p;
    }
    log.info(
        "replica {} serving on {}:{} (probes on {}), advertising {}, forwarding to {}, etcd {} ({}), prefix {}, lease TTL {} s, {}",
        config.id(),
        config.bindHost(),
        api.port(),
        api.probePort().map(String::valueOf).orElse("the API port"),
        config.advertiseAddress(),
        config.peers(),
        config.etcdEndpoints(),
        EtcdFiles.describe(credentials),
        config.layout().prefix(),
        config.leaseTtl().toSeconds(),
        detectors);
    return new MasterReplica(client, loop, api, probe);
  }

  /** Leadership first (resign and revoke, so a follower takes over at once), then HTTP, then the client. */
  @Override
  public void close() {
    try {
      probe.close();
    } catch (Exception e) {
      log.warn("leader probe did not stop cleanly: {}", e.toString());
    }
    loop.close();
    api.close();
    client.close();
    log.info("replica stopped");
  }
}
