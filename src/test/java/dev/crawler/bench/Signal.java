package dev.crawler.bench;

/** How a leading process is stopped in a trial. */
enum Signal {
  /** Graceful: the process may release leadership before it exits. */
  SIGTERM,
  /** Crash: nothing runs; leadership goes when the lease expires. */
  SIGKILL
}
