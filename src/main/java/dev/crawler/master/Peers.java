package dev.crawler.master;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which leader addresses a follower forwards to: only a {@code host:port} of a replica of its own
 * cluster. The leader's address comes from the election in etcd, which any client of that prefix
 * can write, so it is never pasted into a URL: it is parsed into host and port (nothing else is
 * accepted) and checked against one rule:
 *
 * <ul>
 *   <li>{@link #service}: the operator's form. The port is the cluster's port and the host is an
 *       IP that the cluster's headless Service resolves to (it lists every replica, ready or not)
 *       or a pod name under it ({@code <pod>.<service>}).
 *   <li>{@link #list}: exactly one of the given addresses (replicas run by hand on several hosts).
 *   <li>{@link #sameHost}: the default outside Kubernetes: any port on this replica's own
 *       advertised host (any loopback address when that is one: replicas side by side on one
 *       machine).
 * </ul>
 */
public final class Peers {
  /** host ":" port; host an IPv4 address, a bracketed IPv6 address or a DNS name. */
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[0-9]{1,3}(?:\\.[0-9]{1,3}){3}|[A-Za-z0-9](?:[-A-Za-z0-9.]{0,251}[A-Za-z0-9])?):([0-9]{1,5})");
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");

  /** A parsed address: host and port only. */
  public record HostPort(String host, int port) {
    /** The base URL, built from the parts. */
    public URI baseUri() {
      try {
        return new URI("http", null, host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port, null, null, null);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(e);
      }
    }

    boolean isIpLiteral() {
      return host.startsWith("[") || IPV4.matcher(host).matches();
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }

  /** Why a leader address is refused; {@code reason} is the metric label. */
  public record Refusal(String reason, String message) {}

  private enum Kind { SERVICE, LIST, SAME_HOST }

  private final Kind kind;
  private final String service;
  private final int port;
  private final Set<String> addresses;
  private final String host;

  private Peers(Kind kind, String service, int port, Set<String> addresses, String host) {
    this.kind = kind;
    this.service = service;
    this.port = port;
    this.addresses = addresses;
    this.host = host;
  }

  /** Replicas behind the headless Service {@code service}, all on {@code port}. */
  public static Peers service(String service, int port) {
    return new Peers(Kind.SERVICE, service.toLowerCase(Locale.ROOT), port, Set.of(), null);
  }

  /** Exactly these {@code host:port} addresses. */
  public static Peers list(List<String> hostPorts) {
    return new Peers(
        Kind.LIST, null, 0,
        hostPorts.stream().map(a -> parse(a).orElseThrow(() -> new IllegalArgumentException(a)).toString())
            .collect(Collectors.toUnmodifiableSet()),
        null);
  }

  /** Any port on {@code advertised}'s host. */
  public static Peers sameHost(String advertised) {
    return new Peers(Kind.SAME_HOST, null, 0, Set.of(),
        parse(advertised).orElseThrow(() -> new IllegalArgumentException(advertised)).host());
  }

  /** host:port and nothing else; empty when {@code address} has any other form. */
  public static Optional<HostPort> parse(String address) {
    if (address == null) {
      return Optional.empty();
    }
    Matcher m = HOST_PORT.matcher(address);
    if (!m.matches()) {
      return Optional.empty();
    }
    int p = Integer.parseInt(m.group(2));
    if (p < 1 || p > 65535) {
      return Optional.empty();
    }
    String h = m.group(1).toLowerCase(Locale.ROOT);
    if (IPV4.matcher(h).matches() && Arrays.stream(h.split("\\.")).anyMatch(o -> Integer.parseInt(o) > 255)) {
      return Optional.empty();
    }
    return Optional.of(new HostPort(h, p));
  }

  /** The address to forward to, or why not. */
  public Result check(String address) {
    Optional<HostPort> parsed = parse(address);
    if (parsed.isEmpty()) {
      return new Result(null, new Refusal("malformed", "the leader's address '" + address + "' is not host:port"));
    }
    HostPort hp = parsed.get();
    Optional<String> notPeer = notAPeer(hp);
    return notPeer
        .map(why -> new Result(null, new Refusal("not_a_peer",
            "the leader's address " + hp + " is not a replica of this cluster: " + why)))
        .orElseGet(() -> new Result(hp, null));
  }

  /** Exactly one of the two is set. */
  public record Result(HostPort target, Refusal refusal) {}

  private Optional<String> notAPeer(HostPort hp) {
    switch (kind) {
      case LIST -> {
        return addresses.contains(hp.toString()) ? Optional.empty() : Optional.of("not in the peer list");
      }
      case SAME_HOST -> {
        return hp.host().equals(host) || (isLoopback(host) && isLoopback(hp.host()))
            ? Optional.empty()
            : Optional.of("not on this replica's host " + host);
      }
      default -> {
        if (hp.port() != port) {
          return Optional.of("port is not the cluster's port " + port);
        }
        if (!hp.isIpLiteral()) {
          String rest = hp.host().endsWith("." + service) ? hp.host().substring(0, hp.host().length() - service.length() - 1) : "";
          return !rest.isEmpty() && !rest.contains(".") ? Optional.empty() : Optional.of("not a pod name under " + service);
        }
        try {
          InetAddress target = InetAddress.getByName(hp.baseUri().getHost());
          for (InetAddress a : InetAddress.getAllByName(service)) {
            if (a.equals(target)) {
              return Optional.empty();
            }
          }
          return Optional.of("not an address of " + service);
        } catch (UnknownHostException e) {
          return Optional.of("cannot resolve " + service + " (" + e.getMessage() + ")");
        }
      }
    }
  }

  /** A loopback IP literal or localhost: replicas run side by side on one machine. */
  private static boolean isLoopback(String host) {
    if (host.equals("localhost")) {
      return true;
    }
    Optional<HostPort> hp = parse(host + ":1");
    if (hp.isEmpty() || !hp.get().isIpLiteral()) {
      return false;
    }
    try {
      return InetAddress.getByName(hp.get().baseUri().getHost()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Peers p && kind == p.kind && port == p.port && Objects.equals(service, p.service)
        && addresses.equals(p.addresses) && Objects.equals(host, p.host);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, service, port, addresses, host);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case SERVICE -> "replicas behind " + service + " on port " + port;
      case LIST -> "the peers " + addresses.stream().sorted().toList();
      case SAME_HOST -> "replicas on " + host;
    };
  }
}
