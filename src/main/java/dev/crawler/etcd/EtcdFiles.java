package dev.crawler.etcd;

import static dev.crawler.support.Settings.pick;

import dev.crawler.support.InvalidConfigException;
import dev.crawler.api.EtcdEndpoints;
import dev.crawler.api.MasterEnv;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The files through which a replica gets its etcd TLS material and credentials (mounted from the
 * CrawlerMaster's Secrets), as flags; each falls back to its {@link MasterEnv} variable. The
 * password only ever comes from a file: never from a flag or an environment variable, which other
 * processes and {@code kubectl describe} can see.
 */
public record EtcdFiles(String caFile, String certFile, String keyFile, String username, String passwordFile) {

  public static final EtcdFiles NONE = new EtcdFiles(null, null, null, null, null);

  /** Reads and checks the files; the message of a failure names the flag, the file and what is wrong. */
  public EtcdCredentials resolve(Map<String, String> env) throws InvalidConfigException {
    String ca = pick(caFile, env, MasterEnv.ETCD_CA_FILE);
    String cert = pick(certFile, env, MasterEnv.ETCD_CERT_FILE);
    String key = pick(keyFile, env, MasterEnv.ETCD_KEY_FILE);
    String user = pick(username, env, MasterEnv.ETCD_USERNAME);
    String password = pick(passwordFile, env, MasterEnv.ETCD_PASSWORD_FILE);
    if ((cert == null) != (key == null)) {
      throw new InvalidConfigException(
          "--etcd-cert-file and --etcd-key-file (or " + MasterEnv.ETCD_CERT_FILE + ", " + MasterEnv.ETCD_KEY_FILE
              + ") go together: a client certificate needs its key");
    }
    if ((user == null) != (password == null)) {
      throw new InvalidConfigException(
          "--etcd-username and --etcd-password-file (or " + MasterEnv.ETCD_USERNAME + ", "
              + MasterEnv.ETCD_PASSWORD_FILE + ") go together");
    }
    byte[] passwordBytes = password == null ? null : EtcdCredentials.withoutTrailingNewlines(read(password, "--etcd-password-file"));
    EtcdCredentials credentials = new EtcdCredentials(
        ca == null ? null : read(ca, "--etcd-ca-file"),
        cert == null ? null : read(cert, "--etcd-cert-file"),
        key == null ? null : read(key, "--etcd-key-file"),
        user,
        passwordBytes);
    if (credentials.hasTls()) {
      try {
        credentials.sslContext();
      } catch (EtcdCredentials.InvalidMaterialException e) {
        String flag = switch (e.item()) {
          case "ca" -> "--etcd-ca-file " + ca;
          case "cert" -> "--etcd-cert-file " + cert;
          default -> "--etcd-key-file " + key;
        };
        throw new InvalidConfigException("invalid " + flag + ": " + e.getMessage());
      }
    }
    return credentials;
  }

  private static byte[] read(String file, String flag) throws InvalidConfigException {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new InvalidConfigException("cannot read " + flag + " " + file + ": " + e);
    }
  }


  private static String pick(String flag, Map<String, String> env, String var) {
    if (flag != null && !flag.isBlank()) {
      return flag.trim();
    }
    String v = env.get(var);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** For logs: which material is in use, never its content. */
  public static String describe(EtcdCredentials credentials) {
    return credentials.equals(EtcdCredentials.NONE) ? "no TLS material, no user" : credentials.toString();
  }


  /** {@code --etcd-endpoints} (or its variable): comma-separated http(s) URLs. */
  public static List<URI> endpoints(String value) throws InvalidConfigException {
    List<URI> uris = new ArrayList<>();
    for (String part : value.split(",")) {
      String s = part.trim();
      if (s.isEmpty()) {
        continue;
      }
      try {
        uris.add(EtcdEndpoints.parse(s));
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(
            "invalid --etcd-endpoints (or " + MasterEnv.ETCD_ENDPOINTS + ") entry '" + s
                + "': " + e.getMessage() + "; expected http(s)://host:port or http(s)://[ipv6]:port, comma-separated");
      }
    }
    if (uris.isEmpty()) {
      throw new InvalidConfigException("missing --etcd-endpoints (or " + MasterEnv.ETCD_ENDPOINTS + ")");
    }
    return List.copyOf(uris);
  }
}
