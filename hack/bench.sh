#!/usr/bin/env bash
# Runs the benchmark harness (dev.crawler.bench.Bench): real etcd, real master processes, a real
# kube-apiserver from kube-api-test's binaries. Prints a table, writes target/bench/results.json.
# BENCH_QUICK=1: fewer trials (every figure in a few minutes). BENCH_ONLY=prefix,...: some figures.
# BENCH_FOOTPRINT_LADDER=1: also the footprint of each JVM flag on its own (docs/benchmarks.md).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# package, not only test-compile: the footprint section measures the shaded jar, as the image runs it.
mvn -q -B package -DskipTests
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt

classpath="target/classes:target/test-classes:$(cat target/test-classpath.txt)"
exec java -XX:+UseSerialGC -cp "${classpath}" dev.crawler.bench.Bench "$@"
