package dev.crawler.etcd;

import dev.crawler.support.Failures;
import io.grpc.Status;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a call to etcd failed, in the few kinds a person can act on differently: etcd not answering,
 * TLS failing, the credentials refused, the role not allowing the keys. Decided once, from the
 * failure itself, so the operator's condition and the master's log name the same cause.
 *
 * @param kind the cause
 * @param message what failed, for a person
 */
public record EtcdFailure(Kind kind, String message) {

  public enum Kind {
    /** etcd did not answer: refused, timed out, unknown host, or the connection ended. */
    UNREACHABLE("etcd is unreachable"),
    /** The TLS handshake failed: etcd's certificate is not trusted, or etcd refused ours. */
    TLS_HANDSHAKE_FAILED("the TLS handshake with etcd failed"),
    /** etcd refused the user name or password. */
    INVALID_CREDENTIALS("etcd refused the user name or password"),
    /** The user is authenticated, but its role does not grant the keys. */
    PERMISSION_DENIED("etcd denied permission on the keys"),
    /** A CA, certificate or key cannot be read. */
    INVALID_CERTIFICATE("a certificate or key cannot be read");

    private final String summary;

    Kind(String summary) {
      this.summary = summary;
    }

    /** One line on the cause, e.g. "etcd refused the user name or password". */
    public String summary() {
      return summary;
    }
  }

  /** Classifies a failure of an etcd call (wrapped or not). */
  public static EtcdFailure of(Throwable error) {
    Kind kind = kindOf(error);
    // gRPC reports a failed handshake as "io exception" plus a pipeline dump: name the TLS error.
    String message = kind == Kind.TLS_HANDSHAKE_FAILED ? tlsCause(error) : Failures.describe(error);
    return new EtcdFailure(kind, message.lines().findFirst().orElse(message));
  }

  private static String tlsCause(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        Throwable innermost = t;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
          innermost = innermost.getCause();
        }
        return String.valueOf(innermost.getMessage());
      }
    }
    return Failures.describe(error);
  }

  /** The cause and the failure's own words, e.g. "etcd denied permission on the keys (etcdserver: permission denied)". */
  public String describe() {
    return kind.summary() + " (" + message + ")";
  }

  static Kind kindOf(Throwable error) {
    for (Throwable t = Failures.unwrap(error); t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        return Kind.TLS_HANDSHAKE_FAILED;
      }
      Status.Code code = Status.fromThrowable(t).getCode();
      String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (code == Status.Code.PERMISSION_DENIED || text.contains("permission denied")) {
        return Kind.PERMISSION_DENIED;
      }
      if (code == Status.Code.UNAUTHENTICATED
          || text.contains("authentication failed")
          || text.contains("invalid user id or password")
          || text.contains("user name not found")) {
        return Kind.INVALID_CREDENTIALS;
      }
      if (text.contains("pkix") || text.contains("certificate") || text.contains("handshake")) {
        return Kind.TLS_HANDSHAKE_FAILED;
      }
    }
    return Kind.UNREACHABLE;
  }
}
