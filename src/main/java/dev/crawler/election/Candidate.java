package dev.crawler.election;

import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A candidate key of an election as etcd holds it; the one with the lowest create revision leads.
 *
 * @param key the candidate's key, {@code <election>/<lease id in hex>}
 * @param term the key's create revision: it identifies one leadership and orders leaders
 *     (modRevision does not: it changes on every proclaim); every leader write is fenced on it
 * @param value the proposal value exactly as stored
 * @param info the value read as a {@link CandidateInfo}; empty when it is not one (another client of
 *     the same election)
 */
public record Candidate(String key, long term, String value, Optional<CandidateInfo> info) {

  public Candidate {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(info, "info");
  }

  public Candidate(String key, long term, String value) {
    this(key, term, value, CandidateInfo.parse(value));
  }

  /** The only place that reads a term from etcd. */
  static Candidate from(KeyValue kv) {
    return new Candidate(
        kv.getKey().toString(StandardCharsets.UTF_8),
        kv.getCreateRevision(),
        kv.getValue().toString(StandardCharsets.UTF_8));
  }

  /** The candidate's replica id, or the raw value when it is not a {@link CandidateInfo}. */
  public String id() {
    return info.map(CandidateInfo::id).orElse(value);
  }

  /**
   * The lease the key is named after: etcd's election recipe names each key it writes after its
   * lease. Only a name: anyone who may write under the election can plant a key named after another
   * lease, so a revoke takes the lease etcd reports for the key and checks it against this
   * ({@link Election#revokeIfStill}). -1 when the key's last segment is not a hexadecimal lease id.
   */
  public long leaseId() {
    String hex = key.substring(key.lastIndexOf('/') + 1);
    try {
      return Long.parseUnsignedLong(hex, 16);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Whether a leader of term {@code myTerm} must step down on seeing {@code observed}. Keys in an
   * election are ordered by create revision, so a leader with a higher one can only exist after
   * our key is gone; a lower one is a late event from before we won.
   */
  public static boolean supersedes(Candidate observed, long myTerm) {
    return observed.term() > myTerm;
  }
}
