package dev.crawler.support;

import java.util.Map;

/**
 * How every subcommand reads a setting: a flag, else its environment variable (what a pod spec
 * sets), else a default; a bad value is an {@link InvalidConfigException} naming both.
 */
public final class Settings {
  private Settings() {}

  /** The flag when given, else the environment variable; null when neither is set. Flags win. */
  public static String pick(String flag, Map<String, String> env, String var) {
    if (flag != null && !flag.isBlank()) {
      return flag.trim();
    }
    String v = env.get(var);
    return v == null || v.isBlank() ? null : v.trim();
  }

  /** Like {@link #pick}, but a missing setting is an error. */
  public static String required(String flag, String name, Map<String, String> env, String var)
      throws InvalidConfigException {
    String v = pick(flag, env, var);
    if (v == null) {
      throw new InvalidConfigException("missing " + name + " (or " + var + ")");
    }
    return v;
  }

  /** An integer setting from {@code min} to {@code max}; {@code dflt} when unset. */
  public static int integer(String value, String name, String var, int dflt, int min, int max)
      throws InvalidConfigException {
    if (value == null) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(value);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidConfigException(
        "invalid " + name + " (or " + var + ") '" + value + "': expected an integer from " + min + " to " + max);
  }

  /** {@code $(POD_IP):port} with an IPv6 pod IP gives {@code fd00::1:8080}: bracket the host. */
  public static String bracketIpv6(String address) {
    int colon = address.lastIndexOf(':');
    if (colon > 0 && !address.startsWith("[") && address.substring(0, colon).contains(":")) {
      return "[" + address.substring(0, colon) + "]" + address.substring(colon);
    }
    return address;
  }
}
