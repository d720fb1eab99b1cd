package dev.crawler.api;

/**
 * A live worker as it registers itself under {@code <prefix>/workers/<id>}, bound to its own
 * lease: the key disappears when the worker dies.
 */
public record Worker(String id, String address) {}
