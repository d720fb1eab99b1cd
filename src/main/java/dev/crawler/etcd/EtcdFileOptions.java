package dev.crawler.etcd;

import dev.crawler.api.MasterEnv;
import picocli.CommandLine.Option;

/**
 * The flags naming a process's etcd TLS and credential files, the same for {@code master} and
 * {@code worker} (a picocli mixin); each falls back to its {@link MasterEnv} variable when read.
 */
public final class EtcdFileOptions {
  @Option(
      names = "--etcd-ca-file",
      description = "PEM file of the CA that signed etcd's server certificate; needs https:// endpoints (env "
          + MasterEnv.ETCD_CA_FILE + "; default: the system's CAs).")
  String etcdCaFile;

  @Option(
      names = "--etcd-cert-file",
      description = "PEM file of the client certificate for etcd, with --etcd-key-file (env " + MasterEnv.ETCD_CERT_FILE + ").")
  String etcdCertFile;

  @Option(
      names = "--etcd-key-file",
      description = "PEM file of the client certificate's key, PKCS#8 or PKCS#1 RSA (env " + MasterEnv.ETCD_KEY_FILE + ").")
  String etcdKeyFile;

  @Option(names = "--etcd-username", description = "etcd user, with --etcd-password-file (env " + MasterEnv.ETCD_USERNAME + ").")
  String etcdUsername;

  @Option(
      names = "--etcd-password-file",
      description = "File holding the etcd user's password; the password itself is never a flag or"
          + " environment variable (env " + MasterEnv.ETCD_PASSWORD_FILE + ").")
  String etcdPasswordFile;

  public EtcdFiles files() {
    return new EtcdFiles(etcdCaFile, etcdCertFile, etcdKeyFile, etcdUsername, etcdPasswordFile);
  }
}
