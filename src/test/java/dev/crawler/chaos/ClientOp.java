package dev.crawler.chaos;

/**
 * One HTTP attempt of a chaos client, as the client saw it: what it asked of which replica, when,
 * and what came back. {@code status} is -1 when no answer came (refused, reset, timed out);
 * {@code term} is the term in a 201's body, 0 otherwise. Times are epoch milliseconds.
 */
public record ClientOp(
    String client,
    Kind kind,
    String name,
    String replica,
    long invokedMs,
    long completedMs,
    int status,
    String servedBy,
    long term) {

  public enum Kind { CREATE, DELETE }

  /** Acknowledged: the write happened (201 created, 204 deleted). */
  public boolean acknowledged() {
    return kind == Kind.CREATE ? status == 201 : status == 204;
  }

  /**
   * The write may or may not have happened: no answer, or a 5xx (the replica lost etcd or its
   * leadership while the write was in flight). 4xx answers are definite refusals.
   */
  public boolean indeterminate() {
    return status < 0 || status >= 500;
  }

  /** The outcome as counted in the results: created, exists, deleted, not_found, unavailable, no_answer, other. */
  public String outcome() {
    if (status < 0) {
      return "no_answer";
    }
    return switch (status) {
      case 201 -> "created";
      case 409 -> "exists";
      case 204 -> "deleted";
      case 404 -> "not_found";
      case 503 -> "unavailable";
      default -> "status_" + status;
    };
  }
}
