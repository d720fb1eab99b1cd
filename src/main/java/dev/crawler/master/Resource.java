package dev.crawler.master;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A crawl task as stored under {@code <prefix>/resources/<name>}. {@code worker} is null while
 * unassigned; {@code term} is the leader term that last wrote the value, kept so that anyone can
 * check from etcd alone which leader wrote what.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Resource(String name, String url, String worker, long term) {

  public Resource withAssignment(String newWorker, long newTerm) {
    return new Resource(name, url, newWorker, newTerm);
  }
}
