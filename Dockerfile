# One image for both subcommands: `operator` (the CrawlerMaster operator) and `master` (a master replica).
#
#   docker build -t crawler-master:dev .
#   docker run --rm crawler-master:dev --help
#
# Runtime contract (the operator's pod templates rely on it):
# - runs as 65532:65532 (numeric, so `runAsNonRoot: true` can verify it without /etc/passwd);
# - fits `readOnlyRootFilesystem: true` as long as /tmp is a writable emptyDir: the JVM's tmpdir,
#   perf data, crash logs and gRPC's extracted native transport all go there and nowhere else;
# - JVM flags come from argument files, one per subcommand (image/master.jvm.options,
#   image/operator.jvm.options), chosen by image/entrypoint; `make bench` measures the master with
#   the same file. The master's heap is capped by its flags (the pod's memory limit leaves room for
#   the rest, docs/benchmarks.md), the operator's is sized from the container memory limit; an OOM
#   kills the process so Kubernetes restarts it instead of a half-dead leader keeping its etcd
#   lease alive;
# - the master starts with a class data sharing archive built here, at image build time, and only
#   read at run time.

ARG MAVEN_IMAGE=maven:3.9-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM ${MAVEN_IMAGE} AS build
WORKDIR /src
# Dependencies change far less often than sources: resolve them in their own layer.
# go-offline does not catch every lazily resolved plugin dependency, so `package` below stays online.
COPY pom.xml ./
RUN mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:go-offline
COPY src ./src
RUN mvn -B -DskipTests package \
 && set -- target/crawler-master-*.jar \
 && if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then echo "expected exactly one shaded jar, found: $*" >&2; exit 1; fi \
 && mkdir -p /out && cp "$1" /out/crawler-master.jar

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
LABEL org.opencontainers.image.title="crawler-master" \
      org.opencontainers.image.description="CrawlerMaster operator and highly available crawler master replica (subcommands: operator, master, worker, demo-site)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="eclipse-temurin:17-jre"
# Owned by root and not writable by the runtime user.
COPY --from=build /out/crawler-master.jar /app/crawler-master.jar
COPY image/master.jvm.options image/operator.jvm.options image/entrypoint image/cds-archive /app/
# The archive holds the classes a starting master loads (0.1-0.2 s less to campaign, 3-4 MiB
# less RSS); it fits only this JVM and this jar at this path, so it is built in this stage.
RUN /app/cds-archive /app/crawler-master.jar /app/master.jsa /app/master.jvm.options \
 && chmod 0444 /app/master.jsa
# 65532 has no passwd entry, so Java 17 sets user.home to "?" whatever HOME says (seen with
# 17.0.15): -Duser.home in the flags files fixes it for the JVM, HOME for anything reading the
# environment.
ENV HOME=/tmp
WORKDIR /tmp
USER 65532:65532
EXPOSE 8080
# exec: the JVM becomes PID 1 and receives SIGTERM itself.
ENTRYPOINT ["/app/entrypoint"]
CMD ["--help"]
