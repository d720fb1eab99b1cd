#!/usr/bin/env bash
# Runs the chaos harness (dev.crawler.chaos.Chaos, docs/reliability.md): a 3-member etcd cluster,
# 3 master processes (each in its own network namespace when root), workers and clients, faults
# from one seed, then the history checker. Writes target/chaos/results.json; exits 1 on a violation,
# 2 when the harness itself failed (a client thread died).
# CHAOS_QUICK=1: a short run (CI). CHAOS_SEED=n: replay a schedule. CHAOS_DURATION_S: fault time.
# `hack/chaos.sh down` removes what a run that could not clean up left: its processes, the
# crchaos* network namespaces, links and iptables rules.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PREFIX=crchaos

down() {
  local pid ns link
  # Processes a run recorded, only while they still are ours (an etcd member of this run or a master).
  if [ -f target/chaos/pids ]; then
    while read -r pid; do
      if [ -z "${pid}" ] || [ ! -r "/proc/${pid}/cmdline" ]; then continue; fi
      # A recorded pid may since have been reused by an unrelated process: kill it only while its
      # command line still is one of ours. cmdline separates arguments with NUL, hence -a (binary
      # as text) and patterns within one argument; grep reads the file itself, so no pipe can end
      # early with SIGPIPE under pipefail.
      if grep -qaE -- "${PREFIX}-etcd|dev\.crawler\.Main" "/proc/${pid}/cmdline"; then
        kill -KILL "${pid}" 2>/dev/null || true
      fi
    done <target/chaos/pids
    rm -f target/chaos/pids
  fi
  command -v ip >/dev/null || return 0
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${PREFIX}-" || true); do
    for pid in $(ip netns pids "${ns}" 2>/dev/null); do
      kill -KILL "${pid}" 2>/dev/null || true
    done
    ip netns del "${ns}" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^${PREFIX}" || true); do
    ip link del "${link}" 2>/dev/null || true
  done
  if command -v iptables >/dev/null; then
    while iptables -D FORWARD -i "${PREFIX}0" -o "${PREFIX}0" -j ACCEPT -m comment --comment "${PREFIX}" 2>/dev/null; do :; done
  fi
}

if [ "${1:-}" = down ]; then
  down
  echo "chaos: leftovers removed"
  exit 0
fi

# A run killed before its own clean-up leaves these; start from nothing.
down

mvn -q -B test-compile
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

classpath="target/classes:target/test-classes:$(cat target/test-classpath.txt)"
rc=0
java -XX:+UseSerialGC -Xmx512m -cp "${classpath}" dev.crawler.chaos.Chaos "$@" || rc=$?
# The harness cleans up after itself, also on failure; this catches a JVM that died hard.
down
exit "${rc}"
