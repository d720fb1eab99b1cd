package dev.crawler.worker;

import java.util.Locale;

/** Why a page was not fetched, in the kinds that progress and metrics count. */
public enum FetchError {
  /** The name did not resolve. */
  DNS,
  /** The name resolved only to addresses this worker may not reach (see {@code --allow-private-targets}). */
  PRIVATE_ADDRESS,
  /** The connection was refused or reset. */
  CONNECT,
  /** No connection, no answer or no whole body within the timeouts. */
  TIMEOUT,
  HTTP_4XX,
  HTTP_5XX,
  /** The body was larger than the cap; it was not kept. */
  TOO_LARGE,
  /** robots.txt disallows the URL for this crawler: it was not fetched. */
  ROBOTS_DISALLOWED,
  OTHER;

  /** The lower-case name used in progress JSON and as the metric's label. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
