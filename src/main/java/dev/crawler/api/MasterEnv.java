package dev.crawler.api;

/**
 * Environment variables through which the operator configures a master replica. The operator's
 * StatefulSet sets them; the {@code master} subcommand reads them (flags override).
 */
public final class MasterEnv {
  private MasterEnv() {}

  /** Replica id; the pod name in Kubernetes. */
  public static final String POD_NAME = "POD_NAME";
  public static final String POD_IP = "POD_IP";
  public static final String POD_NAMESPACE = "POD_NAMESPACE";
  /** Comma-separated etcd endpoints, e.g. {@code http://etcd:2379}. */
  public static final String ETCD_ENDPOINTS = "ETCD_ENDPOINTS";
  /** The cluster's key prefix in etcd (see {@link KeyLayout}). */
  public static final String KEY_PREFIX = "CRAWLER_KEY_PREFIX";
  public static final String LEASE_TTL_SECONDS = "CRAWLER_LEASE_TTL_SECONDS";
  /** HTTP port the replica listens on. */
  public static final String PORT = "CRAWLER_PORT";
  /**
   * Address the HTTP server binds to; default 0.0.0.0. In a pod the pod's own network namespace
   * makes the default right; processes sharing one host (the local demo) bind to their own IP.
   */
  public static final String BIND_ADDRESS = "CRAWLER_BIND_ADDRESS";
  /** host:port that other replicas use to reach this one; defaults to POD_IP:PORT. */
  public static final String ADVERTISE_ADDRESS = "CRAWLER_ADVERTISE_ADDRESS";
  /** {@code false} turns off probing the leader's port and revoking a dead leader's lease (default true). */
  public static final String PROBE_LEADER = "CRAWLER_PROBE_LEADER";
  /** {@code false} turns off revoking, at start, leases an earlier run of this replica left (default true). */
  public static final String REVOKE_PREVIOUS_LEASE = "CRAWLER_REVOKE_PREVIOUS_LEASE";
  /** PEM file of the CA that signed etcd's server certificate; TLS needs https:// endpoints. */
  public static final String ETCD_CA_FILE = "ETCD_CA_FILE";
  /** PEM file of the client certificate for etcd's client certificate authentication. */
  public static final String ETCD_CERT_FILE = "ETCD_CERT_FILE";
  /** PEM file of the client certificate's private key (PKCS#8, or PKCS#1 RSA). */
  public static final String ETCD_KEY_FILE = "ETCD_KEY_FILE";
  /** etcd user name; the password is never an environment variable, only a file. */
  public static final String ETCD_USERNAME = "ETCD_USERNAME";
  /** File that holds the etcd user's password (trailing newlines are ignored). */
  public static final String ETCD_PASSWORD_FILE = "ETCD_PASSWORD_FILE";
  /**
   * Port of the probe server ({@link MasterPaths#HEALTHZ}, {@link MasterPaths#READYZ},
   * {@link MasterPaths#METRICS}), with threads of its own; unset: probes on the API port only.
   */
  public static final String PROBE_PORT = "CRAWLER_PROBE_PORT";
  /**
   * The cluster's headless Service name: followers forward only to an IP it resolves to or a pod
   * name under it, on the cluster's port.
   */
  public static final String PEER_SERVICE = "CRAWLER_PEER_SERVICE";
  /** Comma-separated host:port of every replica, for replicas run outside Kubernetes. */
  public static final String PEERS = "CRAWLER_PEERS";
  /**
   * {@code true} lets resource URLs name loopback, private and link-local addresses and
   * {@code localhost}; unset or {@code false} refuses them (400).
   */
  public static final String ALLOW_PRIVATE_TARGETS = "CRAWLER_ALLOW_PRIVATE_TARGETS";
}
