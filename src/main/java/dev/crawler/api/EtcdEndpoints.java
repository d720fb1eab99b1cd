package dev.crawler.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The one reading of an etcd endpoint, shared by the CRD schema, the operator's validator, the
 * operator's etcd clients and the master's configuration: {@code http://host:port} or {@code
 * https://host:port}, nothing more, where host is a DNS name, an IPv4 address or a bracketed IPv6
 * literal ({@code http://[fd00::10]:2379}). The schema pattern is a coarse first filter; {@link
 * #problem} accepts only what the pattern accepts and additionally needs a valid host name or IPv6
 * literal and a port in 1-65535, which a pattern cannot say.
 */
public final class EtcdEndpoints {
  private EtcdEndpoints() {}

  /** What the schema accepts for one endpoint. */
  public static final String PATTERN = "^https?://([^\\s/:\\[\\]]+|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}$";

  private static final Pattern COMPILED = Pattern.compile(PATTERN);

  /** Why {@code endpoint} is unusable, or empty when it is a http(s) URI with host and port only. */
  public static Optional<String> problem(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return Optional.of("is empty");
    }
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      return Optional.of("does not parse as a URI (" + e.getReason() + ")");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
      return Optional.of("has no http or https scheme");
    }
    if (uri.getHost() == null) {
      return Optional.of("has no valid host name or IPv6 literal");
    }
    if (uri.getPort() < 1 || uri.getPort() > 65535) {
      return Optional.of(uri.getPort() == -1 ? "has no port" : "has a port outside 1-65535");
    }
    if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null
        || (uri.getPath() != null && !uri.getPath().isEmpty())) {
      return Optional.of("has more than scheme, host and port");
    }
    // What URI accepts beyond the pattern (e.g. a host with a trailing dot and an empty port
    // part) must not pass either: the schema would have rejected it.
    if (!COMPILED.matcher(endpoint).matches()) {
      return Optional.of("is not of the form http://host:port or http://[ipv6]:port");
    }
    return Optional.empty();
  }

  /** The endpoint as a URI; {@link IllegalArgumentException} with the {@link #problem} otherwise. */
  public static URI parse(String endpoint) {
    Optional<String> problem = problem(endpoint);
    if (problem.isPresent()) {
      throw new IllegalArgumentException("etcd endpoint \"" + endpoint + "\" " + problem.get());
    }
    return URI.create(endpoint);
  }

  /**
   * The same endpoints in a canonical form (each checked by {@link #parse}, sorted, distinct), so
   * the same set written in any order names one etcd client. Surrounding blanks and trailing
   * slashes are dropped first: they name the same server.
   */
  public static List<String> normalize(List<String> endpoints) {
    TreeSet<String> set = new TreeSet<>();
    for (String e : endpoints) {
      String t = e.strip();
      while (t.endsWith("/")) {
        t = t.substring(0, t.length() - 1);
      }
      set.add(parse(t).toString());
    }
    if (set.isEmpty()) {
      throw new IllegalArgumentException("at least one etcd endpoint is needed");
    }
    return List.copyOf(set);
  }
}
