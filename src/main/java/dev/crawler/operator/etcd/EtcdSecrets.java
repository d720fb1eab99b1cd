package dev.crawler.operator.etcd;

import static dev.crawler.api.CrawlerMasterConditions.INVALID_CERTIFICATE;
import static dev.crawler.api.CrawlerMasterConditions.INVALID_CREDENTIALS;
import static dev.crawler.api.CrawlerMasterConditions.PERMISSION_DENIED;
import static dev.crawler.api.CrawlerMasterConditions.SECRET_KEY_MISSING;
import static dev.crawler.api.CrawlerMasterConditions.SECRET_NOT_FOUND;
import static dev.crawler.api.CrawlerMasterConditions.TLS_HANDSHAKE_FAILED;
import static dev.crawler.api.CrawlerMasterConditions.UNREACHABLE;

import dev.crawler.api.CrawlerMaster;
import dev.crawler.api.EtcdAuthSpec;
import dev.crawler.api.EtcdSpec;
import dev.crawler.api.EtcdTlsSpec;
import dev.crawler.election.ElectionState;
import dev.crawler.etcd.EtcdCredentials;
import dev.crawler.etcd.EtcdFailure;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A CrawlerMaster's etcd TLS and auth Secrets, read into {@link EtcdCredentials} — or the one
 * problem that keeps them from being used, as an EtcdReachable reason and a message that names the
 * Secret and key. Pure: the Secrets come in through a lookup, so every branch is unit-tested.
 */
public final class EtcdSecrets {
  private EtcdSecrets() {}

  /** What {@link #decide} found. */
  public sealed interface Outcome permits Usable, Problem {}

  /**
   * @param credentials the material to connect with ({@link EtcdCredentials#NONE} when the spec names no Secret)
   * @param clientCertificate the TLS Secret has a client certificate to mount
   */
  public record Usable(EtcdCredentials credentials, boolean clientCertificate) implements Outcome {
    /** The pod template annotation that rolls the masters when the material changes; empty without Secrets. */
    public Optional<String> digest() {
      return credentials.equals(EtcdCredentials.NONE) ? Optional.empty() : Optional.of(credentials.digest());
    }
  }

  /** @param reason an EtcdReachable reason of {@code CrawlerMasterConditions} */
  public record Problem(String reason, String message) implements Outcome {}

  /**
   * @param cm a CrawlerMaster whose spec passed {@link SpecValidator}
   * @param secretNamed the Secret of that name in the CrawlerMaster's namespace, if it exists
   */
  public static Outcome decide(CrawlerMaster cm, Function<String, Optional<Secret>> secretNamed) {
    EtcdSpec etcd = cm.getSpec().getEtcd();
    String ns = cm.getMetadata().getNamespace();
    byte[] ca = null;
    byte[] cert = null;
    byte[] key = null;
    String user = null;
    byte[] password = null;
    EtcdTlsSpec tls = etcd.getTls();
    if (tls != null) {
      String name = tls.getSecretName();
      Optional<Secret> secret = secretNamed.apply(name);
      if (secret.isEmpty()) {
        return notFound(ns, name, "spec.etcd.tls.secretName", "ca.crt (and tls.crt, tls.key for a client certificate)");
      }
      Map<String, byte[]> data = data(secret.get());
      ca = data.get(EtcdTlsSpec.CA_KEY);
      cert = data.get(EtcdTlsSpec.CERT_KEY);
      key = data.get(EtcdTlsSpec.KEY_KEY);
      if (ca == null) {
        return missing(ns, name, EtcdTlsSpec.CA_KEY, "the PEM CA certificate that signed etcd's server certificate");
      }
      if (cert != null && key == null) {
        return missing(ns, name, EtcdTlsSpec.KEY_KEY, "the private key of tls.crt");
      }
      if (key != null && cert == null) {
        return missing(ns, name, EtcdTlsSpec.CERT_KEY, "the client certificate of tls.key");
      }
      try {
        new EtcdCredentials(ca, cert, key, null, null).sslContext();
      } catch (EtcdCredentials.InvalidMaterialException e) {
        String k = switch (e.item()) {
          case "ca" -> EtcdTlsSpec.CA_KEY;
          case "cert" -> EtcdTlsSpec.CERT_KEY;
          default -> EtcdTlsSpec.KEY_KEY;
        };
        return new Problem(INVALID_CERTIFICATE, "Secret " + ns + "/" + name + " key " + k + " "
            + e.getMessage().substring(e.item().length() + 2) + "; fix the Secret (spec.etcd.tls.secretName)");
      }
    }
    EtcdAuthSpec auth = etcd.getAuth();
    if (auth != null) {
      String name = auth.getSecretName();
      Optional<Secret> secret = secretNamed.apply(name);
      if (secret.isEmpty()) {
        return notFound(ns, name, "spec.etcd.auth.secretName", "username and password");
      }
      Map<String, byte[]> data = data(secret.get());
      byte[] u = data.get(EtcdAuthSpec.USERNAME_KEY);
      password = data.get(EtcdAuthSpec.PASSWORD_KEY);
      if (u == null || u.length == 0) {
        return missing(ns, name, EtcdAuthSpec.USERNAME_KEY, "the etcd user name");
      }
      if (password == null) {
        return missing(ns, name, EtcdAuthSpec.PASSWORD_KEY, "the etcd user's password");
      }
      user = new String(u, StandardCharsets.UTF_8).strip();
      password = EtcdCredentials.withoutTrailingNewlines(password);
    }
    return new Usable(new EtcdCredentials(ca, cert, key, user, password), cert != null);
  }

  /** The EtcdReachable reason of an etcd failure the operator saw. */
  public static String reason(EtcdFailure.Kind kind) {
    return switch (kind == null ? EtcdFailure.Kind.UNREACHABLE : kind) {
      case UNREACHABLE -> UNREACHABLE;
      case TLS_HANDSHAKE_FAILED -> TLS_HANDSHAKE_FAILED;
      case INVALID_CREDENTIALS -> INVALID_CREDENTIALS;
      case PERMISSION_DENIED -> PERMISSION_DENIED;
      case INVALID_CERTIFICATE -> INVALID_CERTIFICATE;
    };
  }

  /**
   * The observation with a hint on what to fix added to its error, naming the Secret and key that
   * the kind of failure points at; other observations unchanged.
   */
  public static ElectionState explain(CrawlerMaster cm, ElectionState o) {
    if (o.etcdReachable() || o.failure() == null) {
      return o;
    }
    EtcdSpec etcd = cm.getSpec().getEtcd();
    String ns = cm.getMetadata().getNamespace();
    String hint = switch (o.failure()) {
      case TLS_HANDSHAKE_FAILED -> etcd.getTls() == null
          ? "etcd's certificate is not trusted by the system's CAs: set spec.etcd.tls.secretName to a Secret with its ca.crt"
          : "check " + EtcdTlsSpec.CA_KEY + " (and " + EtcdTlsSpec.CERT_KEY + ") of Secret " + ns + "/"
              + etcd.getTls().getSecretName() + " against etcd's certificates";
      case INVALID_CREDENTIALS -> etcd.getAuth() == null
          ? "etcd has authentication enabled: set spec.etcd.auth.secretName to a Secret with username and password"
          : "check " + EtcdAuthSpec.USERNAME_KEY + " and " + EtcdAuthSpec.PASSWORD_KEY + " of Secret " + ns + "/"
              + etcd.getAuth().getSecretName();
      case PERMISSION_DENIED -> "the etcd role of "
          + (etcd.getAuth() == null ? "the client" : "the user in Secret " + ns + "/" + etcd.getAuth().getSecretName())
          + " must grant read on " + cm.keyLayout().prefix() + "/ (etcdctl role grant-permission --prefix)";
      default -> null;
    };
    return hint == null ? o : ElectionState.unreachable(o.failure(), o.error() + "; " + hint, o.observedAt(), o.seenAtNanos());
  }

  private static Problem notFound(String ns, String name, String field, String keys) {
    return new Problem(SECRET_NOT_FOUND, "Secret " + ns + "/" + name + " (" + field + ") not found; create it with "
        + keys);
  }

  private static Problem missing(String ns, String name, String key, String what) {
    return new Problem(SECRET_KEY_MISSING, "Secret " + ns + "/" + name + " has no key " + key + " (" + what + ")");
  }

  private static Map<String, byte[]> data(Secret secret) {
    Map<String, byte[]> out = new java.util.HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> out.put(k, v == null ? new byte[0] : Base64.getDecoder().decode(v)));
    }
    // stringData is write-only on a real API server; a Secret built in code may still carry it.
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> out.putIfAbsent(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

}
