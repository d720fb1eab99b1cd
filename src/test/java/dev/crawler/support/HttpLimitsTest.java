package dev.crawler.support;

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
    ThreadPoolExecutor pool = (ThreadPoolExecutor) HttpLimits.executor("test-http-reuse");
    try {
      for (int i = 0; i < 100; i++) {
        // As between two requests: the thread that ran the last exchange is back waiting for the next.
        awaitEveryThreadWaiting("test-http-reuse-");
        pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
      }
      // A pool with a core thread per allowed connection would have started 100 here.
      assertThat(pool.getLargestPoolSize()).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Until every thread named {@code prefix…} is parked (waiting for a task): only then is an idle
   * thread there to take the next one, however long a busy machine takes to get it there.
   */
  private static void awaitEveryThreadWaiting(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<Thread> busy = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith(prefix))
          .filter(t -> t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING)
          .toList();
      if (busy.isEmpty()) {
        return;
      }
      assertThat(System.nanoTime()).as("threads still busy after 10 s: %s", busy).isLessThan(deadline);
      Thread.sleep(1);
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
