package dev.crawler.testing;

import dev.crawler.api.MasterEnv;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment a kubelet would give a container, computed without a kubelet: literal values
 * with {@code $(VAR)} references expanded, downward-API field references resolved against the pod
 * and its (local) IP, config map and secret keys looked up through a function. Pure apart from
 * that lookup and the host-resolution check, so it is unit-tested without an API server.
 */
public final class TestingPodEnv {
  public static final String ADVERTISE_ADDRESS = "CRAWLER_ADVERTISE_ADDRESS";
  public static final String NODE_NAME = "testing-kubelet";
  private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)|\\$\\$");

  private TestingPodEnv() {}

  /** Looks up {@code (configMapOrSecretName, key)}; the name is prefixed {@code configmap/} or {@code secret/}. */
  public interface KeyLookup extends BiFunction<String, String, Optional<String>> {}

  /**
   * The container's environment in declaration order. {@code CRAWLER_ADVERTISE_ADDRESS} is
   * replaced by {@code <podIP>:<port>} when its host cannot be resolved here (e.g. a headless
   * service DNS name), so replicas can still reach each other on the loopback IPs.
   */
  public static Map<String, String> resolve(
      Pod pod, Container container, String podIp, KeyLookup lookup, Predicate<String> resolvable) {
    Map<String, String> env = new LinkedHashMap<>();
    if (container.getEnvFrom() != null) {
      container.getEnvFrom().forEach(source -> {
        // envFrom needs a listing, which the lookup cannot give; the operator does not use it.
        throw new IllegalArgumentException("envFrom is not supported by TestingKubelet: " + source);
      });
    }
    if (container.getEnv() != null) {
      for (EnvVar var : container.getEnv()) {
        String value = var.getValueFrom() != null
            ? valueFrom(var, pod, container, podIp, lookup)
            : expand(var.getValue() == null ? "" : var.getValue(), env);
        env.put(var.getName(), value);
      }
    }
    String advertise = env.get(ADVERTISE_ADDRESS);
    if (advertise != null && !hostOf(advertise).map(resolvable::test).orElse(false)) {
      env.put(ADVERTISE_ADDRESS, podIp + ":" + containerPort(container, env).orElse(8080));
    }
    // The headless Service has no DNS name here, so a peer check against it would refuse every
    // replica: without it a master accepts peers on its own host, which here is every loopback IP.
    String peerService = env.get(MasterEnv.PEER_SERVICE);
    if (peerService != null && !resolvable.test(peerService)) {
      env.remove(MasterEnv.PEER_SERVICE);
    }
    // Pods here share the host's network namespace: each binds to its own loopback IP, as it
    // would own its IP in a real pod.
    env.put(MasterEnv.BIND_ADDRESS, podIp);
    return env;
  }

  /** Kubernetes' dependent-variable expansion: {@code $(NAME)} of an earlier variable, {@code $$} escapes. */
  static String expand(String value, Map<String, String> earlier) {
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group(1) == null) {
        replacement = "$";
      } else {
        replacement = earlier.getOrDefault(m.group(1), m.group());
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String valueFrom(EnvVar var, Pod pod, Container container, String podIp, KeyLookup lookup) {
    EnvVarSource from = var.getValueFrom();
    if (from.getFieldRef() != null) {
      return fieldRef(from.getFieldRef(), pod, podIp);
    }
    if (from.getResourceFieldRef() != null) {
      // Only used for tuning (e.g. heap size); a sane constant keeps the replicas small.
      String resource = from.getResourceFieldRef().getResource();
      return resource.contains("cpu") ? "1" : String.valueOf(256L * 1024 * 1024);
    }
    if (from.getConfigMapKeyRef() != null) {
      var ref = from.getConfigMapKeyRef();
      return lookup.apply("configmap/" + ref.getName(), ref.getKey())
          .or(() -> Boolean.TRUE.equals(ref.getOptional()) ? Optional.of("") : Optional.empty())
          .orElseThrow(() -> new IllegalArgumentException(
              "env " + var.getName() + ": config map " + ref.getName() + " has no key " + ref.getKey()));
    }
    if (from.getSecretKeyRef() != null) {
      var ref = from.getSecretKeyRef();
      return lookup.apply("secret/" + ref.getName(), ref.getKey())
          .or(() -> Boolean.TRUE.equals(ref.getOptional()) ? Optional.of("") : Optional.empty())
          .orElseThrow(() -> new IllegalArgumentException(
              "env " + var.getName() + ": secret " + ref.getName() + " has no key " + ref.getKey()));
    }
    throw new IllegalArgumentException("env " + var.getName() + ": unsupported valueFrom " + from);
  }

  static String fieldRef(ObjectFieldSelector selector, Pod pod, String podIp) {
    String path = selector.getFieldPath();
    var meta = pod.getMetadata();
    switch (path) {
      case "metadata.name":
        return meta.getName();
      case "metadata.namespace":
        return meta.getNamespace();
      case "metadata.uid":
        return meta.getUid();
      case "spec.nodeName":
        return NODE_NAME;
      case "spec.serviceAccountName":
        return pod.getSpec().getServiceAccountName();
      case "status.podIP":
      case "status.podIPs":
        return podIp;
      case "status.hostIP":
      case "status.hostIPs":
        return "127.0.0.1";
      default:
        Matcher m = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]").matcher(path);
        if (m.matches()) {
          Map<String, String> map = "labels".equals(m.group(1)) ? meta.getLabels() : meta.getAnnotations();
          return map == null ? "" : map.getOrDefault(m.group(2), "");
        }
        throw new IllegalArgumentException("unsupported fieldRef " + path);
    }
  }

  /** The port the container serves on: {@code CRAWLER_PORT}, else its first declared container port. */
  public static Optional<Integer> containerPort(Container container, Map<String, String> env) {
    String fromEnv = env.get("CRAWLER_PORT");
    if (fromEnv != null && fromEnv.matches("\\d+")) {
      return Optional.of(Integer.parseInt(fromEnv));
    }
    if (container.getPorts() != null) {
      return container.getPorts().stream().map(ContainerPort::getContainerPort).filter(p -> p != null).findFirst();
    }
    return Optional.empty();
  }

  static Optional<String> hostOf(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
    return host.isBlank() ? Optional.empty() : Optional.of(host);
  }

  /** DNS (or literal) resolution on this machine. */
  public static boolean resolvesLocally(String host) {
    try {
      InetAddress.getByName(host);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
