package dev.crawler.master;

import dev.crawler.api.PrivateAddresses;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which crawl targets a resource URL may name. Workers fetch these URLs from inside the cluster,
 * so by default a URL may not point at loopback, private, link-local (cloud metadata services at
 * 169.254.169.254), unique-local, multicast or unspecified addresses, nor at {@code localhost}; an
 * install that crawls its own network turns this off with {@code --allow-private-targets}.
 *
 * <p>Only what the URL itself says is checked: a DNS name is not resolved here (its answer may
 * change before the worker connects), so workers must apply the same rule to the address they
 * connect to. Numeric hosts in forms other than a dotted quad ({@code 2130706433},
 * {@code 0x7f.1}) are refused either way: HTTP clients read them as IP addresses.
 */
public enum CrawlTargets {
  PUBLIC_ONLY,
  ANY;

  private static final Pattern DOTTED_QUAD = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern NUMERIC_HOST = Pattern.compile("(0x[0-9a-f]*|[0-9]+)(\\.(0x[0-9a-f]*|[0-9]+)){0,3}\\.?");

  /** @throws BadRequestException naming what is wrong with the URL's host */
  void check(String url, URI uri) throws BadRequestException {
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    boolean ipv6 = host.startsWith("[");
    if (!ipv6 && NUMERIC_HOST.matcher(host).matches() && !DOTTED_QUAD.matcher(host).matches()) {
      throw new BadRequestException(
          "invalid url '" + url + "': numeric host '" + host + "' is not a dotted-quad IPv4 address");
    }
    if (this == ANY) {
      return;
    }
    if (host.equals("localhost") || host.endsWith(".localhost") || host.equals("localhost.")) {
      throw privateTarget(url, host);
    }
    if (ipv6 || DOTTED_QUAD.matcher(host).matches()) {
      InetAddress address;
      try {
        // A literal: no lookup happens.
        address = InetAddress.getByName(ipv6 ? host.substring(1, host.length() - 1) : host);
      } catch (UnknownHostException e) {
        throw new BadRequestException("invalid url '" + url + "': bad IP address " + host);
      }
      if (PrivateAddresses.isPrivate(address)) {
        throw privateTarget(url, host);
      }
    }
  }

  private static BadRequestException privateTarget(String url, String host) {
    return new BadRequestException(
        "invalid url '" + url + "': " + host + " is a loopback, private or link-local target, which this master"
            + " refuses (start it with --allow-private-targets to crawl such addresses)");
  }
}
