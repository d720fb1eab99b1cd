package dev.crawler.master;

import static dev.crawler.etcd.EtcdFiles.endpoints;
import static dev.crawler.support.Settings.bracketIpv6;
import static dev.crawler.support.Settings.integer;
import static dev.crawler.support.Settings.pick;
import static dev.crawler.support.Settings.required;

import dev.crawler.support.InvalidConfigException;
import dev.crawler.api.CrawlerMasterSpec;
import dev.crawler.api.ElectionSpec;
import dev.crawler.api.EtcdEndpoints;
import dev.crawler.api.KeyLayout;
import dev.crawler.api.MasterEnv;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A replica's validated settings. Flags win over environment variables ({@link MasterEnv}). */
public record MasterConfig(
    String id,
    String advertiseAddress,
    List<URI> etcdEndpoints,
    KeyLayout layout,
    Duration leaseTtl,
    String bindHost,
    int port,
    int probePort,
    Peers peers,
    CrawlTargets crawlTargets) {

  /** The same defaults as a CrawlerMaster's spec, so a replica run by hand behaves like one the operator runs. */
  public static final int DEFAULT_PORT = CrawlerMasterSpec.DEFAULT_PORT;
  public static final int DEFAULT_LEASE_TTL_SECONDS = ElectionSpec.DEFAULT_LEASE_TTL_SECONDS;

  /** Settings exactly as given on the command line; null when absent. */
  public record Flags(
      String id,
      String advertiseAddress,
      String etcdEndpoints,
      String prefix,
      String leaseTtlSeconds,
      String bindHost,
      String port,
      String probePort,
      String peerService,
      String peers,
      String allowPrivateTargets) {
    public Flags(
        String id, String advertiseAddress, String etcdEndpoints, String prefix, String leaseTtlSeconds,
        String bindHost, String port) {
      this(id, advertiseAddress, etcdEndpoints, prefix, leaseTtlSeconds, bindHost, port, null, null, null, null);
    }
  }


  public static MasterConfig resolve(Flags flags, Map<String, String> env) throws InvalidConfigException {
    String id = required(flags.id(), "--id", env, MasterEnv.POD_NAME);
    String endpoints = required(flags.etcdEndpoints(), "--etcd-endpoints", env, MasterEnv.ETCD_ENDPOINTS);
    String prefix = required(flags.prefix(), "--prefix", env, MasterEnv.KEY_PREFIX);
    int port = integer(pick(flags.port(), env, MasterEnv.PORT), "--port", MasterEnv.PORT, DEFAULT_PORT, 1, 65535);
    int ttl =
        integer(
            pick(flags.leaseTtlSeconds(), env, MasterEnv.LEASE_TTL_SECONDS),
            "--lease-ttl",
            MasterEnv.LEASE_TTL_SECONDS,
            DEFAULT_LEASE_TTL_SECONDS,
            ElectionSpec.MIN_LEASE_TTL_SECONDS,
            ElectionSpec.MAX_LEASE_TTL_SECONDS);

    String advertise = pick(flags.advertiseAddress(), env, MasterEnv.ADVERTISE_ADDRESS);
    if (advertise == null) {
      String podIp = env.get(MasterEnv.POD_IP);
      if (podIp == null || podIp.isBlank()) {
        throw new InvalidConfigException(
            "missing --advertise-address (or " + MasterEnv.ADVERTISE_ADDRESS + ", or " + MasterEnv.POD_IP + ")");
      }
      advertise = podIp + ":" + port;
    }
    advertise = bracketIpv6(advertise);
    validateHostPort(advertise);

    if (!id.matches("[A-Za-z0-9]([-A-Za-z0-9._]{0,251}[A-Za-z0-9])?")) {
      throw new InvalidConfigException(
          "invalid --id (or " + MasterEnv.POD_NAME + ") '" + id + "': use letters, digits, '-', '.', '_'");
    }
    KeyLayout layout;
    try {
      layout = new KeyLayout(prefix);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException("invalid --prefix (or " + MasterEnv.KEY_PREFIX + "): " + e.getMessage());
    }
    String bind = pick(flags.bindHost(), env, MasterEnv.BIND_ADDRESS);
    if (bind == null) {
      bind = "0.0.0.0";
    }
    int probePort = integer(pick(flags.probePort(), env, MasterEnv.PROBE_PORT), "--probe-port", MasterEnv.PROBE_PORT, 0, 0, 65535);
    if (probePort == port) {
      throw new InvalidConfigException(
          "invalid --probe-port (or " + MasterEnv.PROBE_PORT + ") " + probePort + ": must differ from the API port");
    }
    return new MasterConfig(
        id, advertise, endpoints(endpoints), layout, Duration.ofSeconds(ttl), bind, port, probePort,
        peers(pick(flags.peerService(), env, MasterEnv.PEER_SERVICE), pick(flags.peers(), env, MasterEnv.PEERS), advertise, port),
        crawlTargets(pick(flags.allowPrivateTargets(), env, MasterEnv.ALLOW_PRIVATE_TARGETS)));
  }

  private static CrawlTargets crawlTargets(String allow) throws InvalidConfigException {
    if (allow == null || allow.equalsIgnoreCase("false")) {
      return CrawlTargets.PUBLIC_ONLY;
    }
    if (allow.equalsIgnoreCase("true")) {
      return CrawlTargets.ANY;
    }
    throw new InvalidConfigException(
        "invalid --allow-private-targets (or " + MasterEnv.ALLOW_PRIVATE_TARGETS + ") '" + allow + "': expected true or false");
  }

  private static Peers peers(String service, String list, String advertise, int port) throws InvalidConfigException {
    if (service != null && list != null) {
      throw new InvalidConfigException(
          "give either --peer-service (or " + MasterEnv.PEER_SERVICE + ") or --peers (or " + MasterEnv.PEERS + "), not both");
    }
    if (service != null) {
      if (!service.matches("[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?")) {
        throw new InvalidConfigException(
            "invalid --peer-service (or " + MasterEnv.PEER_SERVICE + ") '" + service + "': expected a DNS name");
      }
      return Peers.service(service, port);
    }
    if (list != null) {
      List<String> addresses = new ArrayList<>();
      for (String part : list.split(",")) {
        String a = part.trim();
        if (a.isEmpty()) {
          continue;
        }
        if (Peers.parse(a).isEmpty()) {
          throw new InvalidConfigException(
              "invalid --peers (or " + MasterEnv.PEERS + ") entry '" + a + "': expected host:port, comma-separated");
        }
        addresses.add(a);
      }
      return Peers.list(addresses);
    }
    return Peers.sameHost(advertise);
  }





  private static void validateHostPort(String address) throws InvalidConfigException {
    int colon = address.lastIndexOf(':');
    boolean ok = colon > 0 && colon < address.length() - 1;
    if (ok) {
      try {
        int p = Integer.parseInt(address.substring(colon + 1));
        ok = p > 0 && p < 65536;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok || Peers.parse(address).isEmpty()) {
      throw new InvalidConfigException(
          "invalid --advertise-address (or " + MasterEnv.ADVERTISE_ADDRESS + ") '" + address + "': expected host:port");
    }
  }

}
