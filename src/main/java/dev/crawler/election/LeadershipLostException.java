package dev.crawler.election;

/** This replica is no longer leader for the term it holds: it must stop acting as leader at once. */
public final class LeadershipLostException extends Exception {
  public LeadershipLostException(String message) {
    super(message);
  }
}
