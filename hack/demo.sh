#!/usr/bin/env bash
# make demo: a CrawlerMaster on a real kube-apiserver with the real operator and three real
# master processes (run by the TestingKubelet stand-in), a SIGKILLed leader and the measured
# failover. Ends with: demo: leader <old> -> <new> in <N> ms; status updated in <M> ms
# Logs of every process go to target/demo/.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${REPO_ROOT}"
MVN="${MVN:-mvn -B -q}"

hack/provision-tools.sh

# Compile main + test classes (process-classes also generates the CRD) and write the test classpath.
${MVN} test-compile
${MVN} dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

mkdir -p target/demo
exec java -cp "target/classes:target/test-classes:$(cat target/test-classpath.txt)" \
  -Dproject.basedir="${REPO_ROOT}" dev.crawler.demo.Demo "$@"
