package dev.crawler.operator.status;

import dev.crawler.api.CrawlerMasterStatus;

/** The leader fields of a CrawlerMaster's status as one value, so they are read and written in one place each. */
public record LeaderFields(String leader, String leaderAddress, Long term, String leaderSince, Long leaderTransitions) {

  static final LeaderFields NONE = new LeaderFields(null, null, null, null, null);

  static LeaderFields of(CrawlerMasterStatus status) {
    return status == null
        ? NONE
        : new LeaderFields(status.getLeader(), status.getLeaderAddress(), status.getTerm(),
            status.getLeaderSince(), status.getLeaderTransitions());
  }

  LeaderFields withTransitions(Long transitions) {
    return new LeaderFields(leader, leaderAddress, term, leaderSince, transitions);
  }

  void writeTo(CrawlerMasterStatus status) {
    status.setLeader(leader);
    status.setLeaderAddress(leaderAddress);
    status.setTerm(term);
    status.setLeaderSince(leaderSince);
    status.setLeaderTransitions(leaderTransitions);
  }
}
