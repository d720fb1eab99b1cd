package dev.crawler.worker;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * At most one fetch per host per delay, across all resources this worker crawls: each fetch takes
 * the host's next slot, and waits for it.
 */
public final class Politeness {
  private final Map<String, Long> nextSlotMillis = new HashMap<>();

  /**
   * Waits until a fetch from {@code host} is allowed, {@code delayMillis} after the previous one;
   * false when {@code cancelled} became true meanwhile.
   */
  public boolean await(String host, long delayMillis, BooleanSupplier cancelled) throws InterruptedException {
    long at;
    synchronized (this) {
      long now = System.currentTimeMillis();
      at = Math.max(now, nextSlotMillis.getOrDefault(host, now));
      nextSlotMillis.put(host, at + delayMillis);
    }
    for (long left = at - System.currentTimeMillis(); left > 0; left = at - System.currentTimeMillis()) {
      if (cancelled.getAsBoolean()) {
        return false;
      }
      Thread.sleep(Math.min(left, 50));
    }
    return !cancelled.getAsBoolean();
  }
}
