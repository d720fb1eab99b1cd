package dev.crawler.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The peer: a candidate process that elects itself through fabric8's {@code LeaderElector} on a
 * coordination.k8s.io/v1 Lease, as a Kubernetes controller would. It connects with the usual
 * fabric8 auto-configuration ({@code KUBECONFIG}).
 *
 * <p>Usage: {@code LeaseCandidate <namespace> <lease> <identity> <leaseMs> <renewDeadlineMs>
 * <retryPeriodMs>}. With {@code releaseOnCancel} and a shutdown hook that cancels the elector,
 * SIGTERM releases the Lease (holder cleared) before the JVM exits; SIGKILL leaves it to expire.
 *
 * <p>Stdout protocol for the harness: {@code OBSERVED <holder>} after its first read of the Lease
 * (it is then a running follower or leader), {@code LEADING} when it acquires, {@code RELEASED}
 * when its shutdown hook is done.
 */
public final class LeaseCandidate {
  private LeaseCandidate() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println(
          "usage: LeaseCandidate <namespace> <lease> <identity> <leaseMs> <renewDeadlineMs> <retryPeriodMs>");
      System.exit(2);
    }
    String namespace = args[0];
    String lease = args[1];
    String identity = args[2];
    Duration leaseDuration = Duration.ofMillis(Long.parseLong(args[3]));
    Duration renewDeadline = Duration.ofMillis(Long.parseLong(args[4]));
    Duration retryPeriod = Duration.ofMillis(Long.parseLong(args[5]));

    KubernetesClient client = new KubernetesClientBuilder().build();
    AtomicBoolean observed = new AtomicBoolean();
    AtomicBoolean shuttingDown = new AtomicBoolean();
    CountDownLatch done = new CountDownLatch(1);
    var config =
        new LeaderElectionConfigBuilder()
            .withName(lease)
            .withLock(new LeaseLock(namespace, lease, identity))
            .withLeaseDuration(leaseDuration)
            .withRenewDeadline(renewDeadline)
            .withRetryPeriod(retryPeriod)
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(
                new LeaderCallbacks(
                    () -> say("LEADING"),
                    () -> say("STOPPED_LEADING"),
                    holder -> {
                      if (observed.compareAndSet(false, true)) {
                        say("OBSERVED " + holder);
                      }
                    }))
            .build();
    CompletableFuture<?> election = client.leaderElector().withConfig(config).build().start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shuttingDown.set(true);
                  // Cancelling runs stopLeading() synchronously on this thread, which releases
                  // the Lease (releaseOnCancel) before the JVM is allowed to exit.
                  election.cancel(true);
                  say("RELEASED");
                  client.close();
                  done.countDown();
                },
                "release-lease"));
    // The elector ends by itself only when a leader misses its renew deadline: exit, so the
    // harness sees a dead candidate instead of a silent one.
    election.whenComplete(
        (v, t) -> {
          if (!shuttingDown.get()) {
            say("ELECTION_ENDED " + t);
            done.countDown();
          }
        });
    done.await();
    if (!shuttingDown.get()) {
      System.exit(3);
    }
  }

  private static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
