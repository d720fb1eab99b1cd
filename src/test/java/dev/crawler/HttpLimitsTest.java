package dev.crawler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HttpLimitsTest {

  @Test
  void requestsOneAtATimeReuseAnIdleThreadInsteadOfStartingOneEach() throws Exception {
    ThreadPoolExecutor pool = (ThreadPoolExecutor) HttpLimits.executor("test-http");
    try {
      for (int i = 0; i < 100; i++) {
        pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
        // Let the worker get back to waiting for the next exchange, as between two requests.
        Thread.sleep(5);
      }
      // A pool with a core thread per allowed connection would have started 100 here.
      assertThat(pool.getLargestPoolSize()).isLessThanOrEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void withEveryThreadBusyAnExchangeWaitsForOneInsteadOfBeingRejectedOrRunOnTheDispatcher() throws Exception {
    ExecutorService pool = HttpLimits.executor("test-http");
    CountDownLatch release = new CountDownLatch(1);
    Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
    List<Future<?>> exchanges = new ArrayList<>();
    try {
      int total = HttpLimits.MAX_CONNECTIONS + 5;
      for (int i = 0; i < total; i++) {
        exchanges.add(pool.submit(() -> {
          ranOn.add(Thread.currentThread());
          release.await();
          return null;
        }));
      }
      assertThat(((ThreadPoolExecutor) pool).getPoolSize()).isEqualTo(HttpLimits.MAX_CONNECTIONS);
      assertThat(((ThreadPoolExecutor) pool).getQueue()).hasSize(5);

      release.countDown();
      for (Future<?> f : exchanges) {
        f.get(10, TimeUnit.SECONDS);
      }
      assertThat(ranOn).doesNotContain(Thread.currentThread()).hasSize(HttpLimits.MAX_CONNECTIONS);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }
}
