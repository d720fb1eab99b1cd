package dev.crawler.operator.rollout;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether the operator may send a request to {@code status.leaderAddress}. That address is copied from
 * the election in etcd, which anyone who may write under the cluster's prefix can set, so the
 * operator, like a forwarding follower ({@code master.Peers}), sends nothing to an address that is not
 * a replica of this cluster: it must be exactly {@code <pod IP>:<spec.port>} (an IPv6 IP bracketed or
 * not) of one of the cluster's master pods. Pure.
 */
public final class LeaderAddress {
  private LeaderAddress() {}

  /** Empty when {@code address} is a master pod's IP on {@code port}; else why the operator will not call it. */
  public static Optional<String> refusal(String address, int port, List<Pod> pods) {
    boolean known = pods.stream()
        .filter(p -> p.getStatus() != null)
        .flatMap(p -> Stream.concat(Stream.ofNullable(p.getStatus().getPodIP()),
            p.getStatus().getPodIPs() == null ? Stream.empty() : p.getStatus().getPodIPs().stream().map(PodIP::getIp)))
        .filter(Objects::nonNull)
        .flatMap(ip -> ip.contains(":") ? Stream.of(ip + ":" + port, "[" + ip + "]:" + port) : Stream.of(ip + ":" + port))
        .anyMatch(address::equals);
    if (known) {
      return Optional.empty();
    }
    String shown = address.length() > 80 ? address.substring(0, 80) + "…" : address;
    return Optional.of("the leader's address '" + shown + "' is not the IP of a master pod of this cluster on port "
        + port + "; not calling it");
  }
}
