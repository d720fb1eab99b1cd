package dev.crawler.worker;

import java.util.List;

/**
 * One fetched page as a sink receives it: one JSON line per page (docs/worker-protocol.md,
 * "Output"). {@code links} are the page's outgoing links as found (absolute, all origins).
 */
public record PageRecord(
    String resource,
    String url,
    int status,
    String contentType,
    long bytes,
    String fetchedAt,
    long fetchMillis,
    int depth,
    String title,
    List<String> links,
    String worker,
    long term) {}
