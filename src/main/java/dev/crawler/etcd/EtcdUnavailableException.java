package dev.crawler.etcd;

/** etcd did not answer in time or failed the request; the outcome of a write is unknown. */
public final class EtcdUnavailableException extends RuntimeException {
  public EtcdUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
