package dev.crawler.master;

import dev.crawler.election.LeaderInfo;
import dev.crawler.election.LeadershipLoop;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running replica: etcd client, leadership loop with the assigner as leader work, HTTP API. */
public final class MasterReplica implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MasterReplica.class);

  private final Client client;
  private final LeadershipLoop loop;
  private final ApiServer api;

  private MasterReplica(Client client, LeadershipLoop loop, ApiServer api) {
    this.client = client;
    this.loop = loop;
    this.api = api;
  }

  public static MasterReplica start(MasterConfig config) throws IOException {
    Client client =
        Client.builder()
            .endpoints(config.etcdEndpoints().toArray(java.net.URI[]::new))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    ClusterStore store = new ClusterStore(client.getKVClient(), config.layout());
    MasterMetrics metrics = new MasterMetrics();
    LeadershipLoop loop =
        new LeadershipLoop(
            client,
            config.layout().election(),
            new LeaderInfo(config.id(), config.advertiseAddress()),
            config.leaseTtl(),
            new Assigner(store, client.getWatchClient()),
            metrics);
    metrics.bind(loop);
    ApiServer api =
        new ApiServer(new InetSocketAddress(config.bindHost(), config.port()), loop, store, metrics);
    api.start();
    loop.start();
    log.info(
        "replica {} serving on {}:{}, advertising {}, etcd {}, prefix {}, lease TTL {} s",
        config.id(),
        config.bindHost(),
        api.port(),
        config.advertiseAddress(),
        config.etcdEndpoints(),
        config.layout().prefix(),
        config.leaseTtl().toSeconds());
    return new MasterReplica(client, loop, api);
  }

  /** Leadership first (resign and revoke, so a follower takes over at once), then HTTP, then the client. */
  @Override
  public void close() {
    loop.close();
    api.close();
    client.close();
    log.info("replica stopped");
  }
}
