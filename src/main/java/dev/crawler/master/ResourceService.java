package dev.crawler.master;

import dev.crawler.api.Resource;
import dev.crawler.election.Fence;
import dev.crawler.election.LeadershipLostException;
import java.util.List;
import java.util.Optional;

/** The leader's side of the resource API. Callers hold the current term's fence. */
public final class ResourceService {
  private final ClusterStore store;

  public ResourceService(ClusterStore store) {
    this.store = store;
  }

  /** Creates and assigns a resource; empty when a resource of that name exists. */
  public Optional<Resource> create(Fence fence, ResourceRequest request)
      throws LeadershipLostException, InterruptedException {
    ClusterStore.Snapshot snapshot = store.load();
    if (snapshot.resources().containsKey(request.name())) {
      return Optional.empty();
    }
    String worker =
        Assignment.leastLoaded(Assignment.loads(snapshot.resourceList(), snapshot.workers().keySet()))
            .orElse(null);
    Resource resource = request.toResource(worker, fence.term());
    return store.create(fence, resource) == Fence.Outcome.APPLIED ? Optional.of(resource) : Optional.empty();
  }

  /** False when there was no such resource. */
  public boolean delete(Fence fence, String name) throws LeadershipLostException, InterruptedException {
    return store.delete(fence, name) == Fence.Outcome.APPLIED;
  }

  public List<Resource> list() throws InterruptedException {
    return store.load().resourceList();
  }
}
