#!/usr/bin/env bash
# End-to-end failover test of the image, deploy/ and the sample on a real cluster (`make e2e`).
#
# Cluster providers (E2E_PROVIDER):
#   kind   a kind cluster (needs kind and a working Docker engine: `docker info` succeeds); the
#          image is built with `docker build` and loaded with `kind load`
#   local  hack/local-cluster.sh: a single-node cluster on this Debian machine (root); the image is
#          built from the same Dockerfile by buildah against locally built Debian base images
#   auto   (default) kind when kind is installed and `docker info` succeeds, else local
#
# Steps, the same on both (each recorded in target/e2e/results.json):
#   pss_admission            dist/install.yaml (make release) + deploy/etcd as a user applies them; every pod admitted
#                            under the restricted Pod Security profile crawler-system enforces
#   leader_published         the sample -> all replicas Ready; status.leader (kubectl get cmaster)
#                            equals etcd's leader and the only pod labelled crawler.dev/role=leader
#   service_routes_to_leader a request from a pod to the client Service's DNS name reaches the leader
#   follower_forwards        a request to a follower pod's IP is forwarded (X-Crawler-Served-By)
#   pod_delete_failover      leader pod deleted -> new leader in etcd, status and Service (ms)
#   container_kill_failover  leader container SIGKILLed through the runtime -> new leader (ms);
#                            the container restarts and rejoins as a follower
#   operator_failover        active operator pod deleted -> the standby takes the Lease and
#                            publishes the next leader change
#   etcd_restart             etcd pod restarted -> EtcdReachable/LeaderElected False, then True
#   scale                    kubectl scale cmaster --replicas=5, then 3
#   workers_crawl_through_failover
#                            spec.workers added: two workers crawl the image's demo-site (a pod in
#                            the namespace) for four resources; the leader pod deleted mid-crawl;
#                            every resource's progress in etcd reaches done at its page limit
#   helm_takes_over_install  the chart (charts/crawler-operator) adopts the objects of
#                            dist/install.yaml (helm upgrade --install): the operator rolls, the
#                            masters keep their leader and term, and the chart's operator publishes
#                            the next leader change
#   cr_delete_gc             CR deleted -> StatefulSet, workers' Deployment, Services and pods
#                            garbage-collected
# Last line: e2e: <k>/<n> steps ok; pod delete failover <N> ms; container kill failover <M> ms
#
# Settings (environment):
#   E2E_PROVIDER    auto | kind | local (default auto)
#   IMG             image to build and test (default crawler-master:e2e); a fixed tag, not :latest
#   KEEP_CLUSTER    1 keeps a cluster this run created (kind) or started (local)
#   KIND_CLUSTER    kind cluster name (default crawler-e2e); reused when it exists
#   KIND_NODE_IMAGE kindest/node image for a new kind cluster (default: the one kind pins)
#   KUBE_CONTEXT    kubectl context (default kind-$KIND_CLUSTER, or the local cluster's)
#   WAIT_TIMEOUT    timeout of each kubectl wait/rollout (default 180s)
#   FAILOVER_TIMEOUT_SECONDS  deadline for each failover check (default 60)
#   E2E_OUT         output directory (default target/e2e)
#
# Sourcing the script (`source hack/e2e.sh`) defines the settings, expressions and functions
# without running anything, so a test can run each query against a real API server.
set -euo pipefail

# ---- settings ---------------------------------------------------------------------------------
E2E_PROVIDER="${E2E_PROVIDER:-auto}"
KIND_CLUSTER="${KIND_CLUSTER:-crawler-e2e}"
IMG="${IMG:-crawler-master:e2e}"
KEEP_CLUSTER="${KEEP_CLUSTER:-0}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-}"
KUBE_CONTEXT="${KUBE_CONTEXT:-kind-${KIND_CLUSTER}}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-180s}"
FAILOVER_TIMEOUT_SECONDS="${FAILOVER_TIMEOUT_SECONDS:-60}"
POLL_INTERVAL_SECONDS="0.2"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E_OUT="${E2E_OUT:-${REPO_ROOT}/target/e2e}"
LOCAL_CLUSTER="${REPO_ROOT}/hack/local-cluster.sh"

# Names the deploy/ manifests and the operator define; keep in sync with them.
NAMESPACE="crawler-system"
CRD_NAME="crawlermasters.crawler.dev"
ETCD_STATEFULSET="etcd"
ETCD_POD="etcd-0"
ETCD_SERVICE_URL="etcd.${NAMESPACE}:2379"
OPERATOR_DEPLOYMENT="crawler-operator"
OPERATOR_LEASE="crawler-operator"
MASTER_CONTAINER="master"
MASTER_PORT="8080"
SAMPLE_FILE="${REPO_ROOT}/deploy/samples/crawlermaster.yaml"
# The Helm step: the pinned Helm that hack/provision-tools.sh builds (make tools), the chart's release.
HELM="${HELM:-${CRAWLER_TOOLS_DIR:-${HOME}/.cache/crawler-tools}/helm-$(awk -F'"' '/^HELM_VERSION=/ {print $2}' "${REPO_ROOT}/hack/provision-tools.sh")}"
HELM_RELEASE="crawler-operator"
CM_NAME="demo"
# The operator's client Service for a CrawlerMaster: named like it, selects the leader pod.
CLIENT_SERVICE="${CM_NAME}"
CLIENT_SERVICE_DNS="${CLIENT_SERVICE}.${NAMESPACE}.svc.cluster.local"
# The sample's election in etcd (KeyLayout: /crawler/<namespace>/<name>/election).
ELECTION_NAME="/crawler/${NAMESPACE}/${CM_NAME}/election"
MASTER_SELECTOR="app.kubernetes.io/name=crawler-master,app.kubernetes.io/instance=${CM_NAME}"
ROLE_LABEL="crawler.dev/role"
SERVED_BY_HEADER="X-Crawler-Served-By"
# A leader-only path: a follower forwards it to the leader.
LEADER_ONLY_PATH="/api/v1/resources"
# The workers step: the image's demo-site subcommand as a pod and Service, crawled by spec.workers.
SITE_NAME="demo-site"
SITE_URL="http://${SITE_NAME}.${NAMESPACE}.svc.cluster.local:8080"
KEY_PREFIX="${ELECTION_NAME%/election}"
WORKER_SELECTOR="app.kubernetes.io/name=crawler-worker,app.kubernetes.io/instance=${CM_NAME}"
CRAWL_RESOURCES=(docs blog news shop)
CRAWL_PAGES=40

# ---- every kubectl query the script makes ------------------------------------------------------
# `kubectl get -o jsonpath=...` expressions:
JP_CM_LEADER='{.status.leader}'
JP_CM_TERM='{.status.term}'
JP_CM_SPEC_REPLICAS='{.spec.replicas}'
JP_CM_CONDITIONS='{.status.conditions[?(@.type=="EtcdReachable")].status} {.status.conditions[?(@.type=="LeaderElected")].status}'
JP_POD_IP='{.status.podIP}'
JP_POD_NODE='{.spec.nodeName}'
JP_MASTER_CONTAINER_ID="{.status.containerStatuses[?(@.name==\"${MASTER_CONTAINER}\")].containerID}"
JP_MASTER_RESTARTS="{.status.containerStatuses[?(@.name==\"${MASTER_CONTAINER}\")].restartCount}"
JP_MASTER_READY="{.status.containerStatuses[?(@.name==\"${MASTER_CONTAINER}\")].ready}"
JP_LEASE_HOLDER='{.spec.holderIdentity}'
# One line per endpoint of the client Service's EndpointSlices: "ready=<true|false|> <address>...".
# Not a filter ([?(@.conditions.ready==true)]): it fails on slices with `endpoints: null`, which a
# Service without endpoints has. A missing ready means unknown, which the API says to treat as ready.
JP_ENDPOINTS='{range .items[*].endpoints[*]}{"ready="}{.conditions.ready}{" "}{.addresses[*]}{"\n"}{end}'
ENDPOINTSLICE_SELECTOR="kubernetes.io/service-name=${CLIENT_SERVICE}"
# `kubectl wait --for=...` conditions:
WAIT_FOR_CRD_ESTABLISHED='condition=Established'
WAIT_FOR_LEADER_ELECTED='jsonpath={.status.conditions[?(@.type=="LeaderElected")].status}=True'
# Without a value kubectl (>= 1.31) waits until the path exists; "" counts as present (seen with 1.32).
WAIT_FOR_HAS_LEADER='jsonpath={.status.leader}'
# readyReplicas must equal the spec's replicas, which is only known at run time.
wait_for_ready_replicas() { printf 'jsonpath={.status.readyReplicas}=%s' "$1"; }

# ---- helpers ----------------------------------------------------------------------------------
log() { printf '[e2e] %s\n' "$*" >&2; }
die() { printf '[e2e] ERROR: %s\n' "$*" >&2; exit 1; }

kc() { kubectl --context "${KUBE_CONTEXT}" "$@"; }
kcn() { kc --namespace "${NAMESPACE}" "$@"; }

now_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t="${EPOCHREALTIME/[.,]/}"
    echo $((t / 1000))
  else
    date +%s%3N
  fi
}

cm_get() { kcn get crawlermaster "${CM_NAME}" -o "jsonpath=$1"; }
cm_leader() { cm_get "${JP_CM_LEADER}"; }
cm_term() { cm_get "${JP_CM_TERM}"; }
pod_ip() { kcn get pod "$1" -o "jsonpath=${JP_POD_IP}"; }

# Sorted, de-duplicated IPs of the client Service's ready endpoints, one a line.
ready_endpoint_ips() {
  kcn get endpointslices -l "${ENDPOINTSLICE_SELECTOR}" -o "jsonpath=${JP_ENDPOINTS}" \
    | awk '$1 == "ready=true" || $1 == "ready=" { for (i = 2; i <= NF; i++) print $i }' | sort -u
}

# leader_other_than OLD: true once status.leader names a pod other than OLD.
leader_other_than() {
  local leader
  leader="$(cm_leader 2>/dev/null)" || return 1
  [ -n "${leader}" ] && [ "${leader}" != "$1" ]
}

# endpoints_exactly IP: true once the client Service routes to IP and nothing else.
endpoints_exactly() {
  local ips
  ips="$(ready_endpoint_ips 2>/dev/null)" || return 1
  [ "${ips}" = "$1" ]
}

# poll_until SECONDS DESCRIPTION COMMAND...: runs COMMAND until it succeeds or the deadline passes.
poll_until() {
  local timeout_s="$1" what="$2"
  shift 2
  local deadline=$(($(now_ms) + timeout_s * 1000))
  until "$@"; do
    [ "$(now_ms)" -lt "${deadline}" ] || die "timed out after ${timeout_s}s waiting until ${what}"
    sleep "${POLL_INTERVAL_SECONDS}"
  done
}

# ---- HTTP from inside the cluster ---------------------------------------------------------------
# http_from_pod POD METHOD HOST PORT PATH [BODY]: one HTTP/1.1 request made by bash inside POD's
# master container (the image has bash; /dev/tcp resolves HOST through the pod's DNS). Prints the
# raw response: status line, headers, blank line, body.
# shellcheck disable=SC2016  # the script runs in the pod, with its own positional parameters
HTTP_IN_POD='exec 3<>"/dev/tcp/$1/$2" || exit 7
printf "%s %s HTTP/%s\r\nHost: %s\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n%s" \
  "$3" "$4" "$6" "$1" "${#5}" "$5" >&3
timeout 10 cat <&3'
# HTTP_VERSION=1.0 for an answer the server would otherwise send chunked (larger than about 2 KiB).
http_from_pod() {
  local pod="$1" method="$2" host="$3" port="$4" path="$5" body="${6:-}"
  kcn exec "${pod}" -c "${MASTER_CONTAINER}" -- bash -c "${HTTP_IN_POD}" _ "${host}" "${port}" "${method}" "${path}" "${body}" \
    "${HTTP_VERSION:-1.1}" | tr -d '\r'
}
http_status() { head -n1 | awk '{print $2}'; }
# http_header NAME: the value of header NAME in a response on stdin (case-insensitive name).
http_header() { awk -v h="$(echo "$1" | tr '[:upper:]' '[:lower:]')" 'NF == 0 {exit} { split($0, kv, ": "); if (tolower(kv[1]) == h) print kv[2] }'; }
http_body() { sed '1,/^$/d'; }

# The election's leader as etcd itself answers it (v3 JSON gateway, Election.Leader), by the
# candidate id in the leader key's value; asked from POD. Empty when there is no leader.
etcd_leader_via() {
  local pod="$1" name_b64 response value
  name_b64="$(printf '%s' "${ELECTION_NAME}" | base64 -w0)"
  response="$(http_from_pod "${pod}" POST "${ETCD_SERVICE_URL%:*}" "${ETCD_SERVICE_URL##*:}" /v3/election/leader \
    "{\"name\":\"${name_b64}\"}" 2>/dev/null)" || return 1
  [ "$(http_status <<<"${response}")" = 200 ] || return 1
  value="$(http_body <<<"${response}" | jq -r '.kv.value // empty' 2>/dev/null)" || return 1
  [ -n "${value}" ] || return 0
  printf '%s' "${value}" | base64 -d | jq -r '.id'
}

# Any Ready master pod other than the ones named (to run requests from).
ready_master_pod() {
  local pod
  for pod in $(kcn get pods -l "${MASTER_SELECTOR}" -o 'jsonpath={range .items[*]}{.metadata.name}{" "}{end}'); do
    case " $* " in *" ${pod} "*) continue ;; esac
    [ "$(kcn get pod "${pod}" -o "jsonpath=${JP_MASTER_READY}" 2>/dev/null)" = true ] && { echo "${pod}"; return 0; }
  done
  return 1
}
etcd_leader() { etcd_leader_via "$(ready_master_pod "$@")"; }

# served_by_through_service FROM_POD: who served a leader-only request sent to the Service's DNS name.
served_by_through_service() {
  http_from_pod "$1" GET "${CLIENT_SERVICE_DNS}" "${MASTER_PORT}" "${LEADER_ONLY_PATH}" | http_header "${SERVED_BY_HEADER}"
}

pods_with_role() { kcn get pods -l "${MASTER_SELECTOR},${ROLE_LABEL}=$1" -o 'jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}'; }

# ---- results ------------------------------------------------------------------------------------
STEPS=(pss_admission leader_published service_routes_to_leader follower_forwards pod_delete_failover
  container_kill_failover operator_failover etcd_restart scale workers_crawl_through_failover
  helm_takes_over_install cr_delete_gc)
# result KEY=VALUE...: the current step's result; numbers and true/false stay JSON values.
result() {
  local args=() kv
  for kv in "$@"; do
    if [[ "${kv#*=}" =~ ^(true|false|null|-?[0-9]+)$ ]]; then
      args+=(--argjson "${kv%%=*}" "${kv#*=}")
    else
      args+=(--arg "${kv%%=*}" "${kv#*=}")
    fi
  done
  jq -n '$ARGS.named' "${args[@]}" >"${E2E_OUT}/steps/${CURRENT_STEP}.json"
}

write_results() {
  local provider="$1" image_json="$2" s steps="{}"
  for s in "${STEPS[@]}"; do
    if [ -f "${E2E_OUT}/steps/${s}.json" ]; then
      steps="$(jq --arg k "${s}" --slurpfile v "${E2E_OUT}/steps/${s}.json" '. + {($k): $v[0]}' <<<"${steps}")"
    else
      steps="$(jq --arg k "${s}" '. + {($k): {ok: false, error: "not run"}}' <<<"${steps}")"
    fi
  done
  jq -n --arg cluster "${provider}" --argjson image "${image_json}" --argjson steps "${steps}" \
    '{cluster: $cluster, image: $image, steps: $steps}' >"${E2E_OUT}/results.json"
}

# ---- providers ----------------------------------------------------------------------------------
choose_provider() {
  case "${E2E_PROVIDER}" in
    auto) if command -v kind >/dev/null 2>&1 && command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        echo kind
      else
        echo local
      fi ;;
    kind | local) echo "${E2E_PROVIDER}" ;;
    *) die "E2E_PROVIDER=${E2E_PROVIDER}: use auto, kind or local" ;;
  esac
}

check_image_name() {
  case "${IMG##*/}" in
    *:latest | *@*) die "IMG=${IMG}: use a fixed tag such as crawler-master:e2e; ':latest' makes Kubernetes pull instead of using the loaded image." ;;
    *:*) ;;
    *) die "IMG=${IMG} has no tag; use e.g. crawler-master:e2e (an untagged image means ':latest', which Kubernetes pulls)." ;;
  esac
}

check_tools() {
  local missing=() tool
  for tool in kubectl jq "$@"; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing required tools: ${missing[*]}"
  [[ "$(now_ms)" =~ ^[0-9]+$ ]] || die "cannot read the clock in milliseconds (needs bash >= 5 or GNU date)."
}

# -- kind --
CREATED_CLUSTER=0
kind_check() {
  check_tools kind docker
  docker info >/dev/null 2>&1 || die "docker is installed but its daemon is not reachable ('docker info' failed)."
}

kind_up() {
  if kind get clusters 2>/dev/null | grep -qx "${KIND_CLUSTER}"; then
    log "reusing kind cluster ${KIND_CLUSTER}"
  else
    log "creating kind cluster ${KIND_CLUSTER}"
    local args=(create cluster --name "${KIND_CLUSTER}" --config "${REPO_ROOT}/deploy/kind/kind-config.yaml" --wait 120s)
    [ -z "${KIND_NODE_IMAGE}" ] || args+=(--image "${KIND_NODE_IMAGE}")
    CREATED_CLUSTER=1
    kind "${args[@]}"
  fi
  # Its own kubeconfig, so `make deploy` (plain kubectl) cannot reach another current context.
  export KUBECONFIG="${E2E_OUT}/kind.kubeconfig"
  kind get kubeconfig --name "${KIND_CLUSTER}" >"${KUBECONFIG}"
  KUBE_CONTEXT="kind-${KIND_CLUSTER}"
  kc cluster-info >/dev/null || die "kubectl cannot reach context ${KUBE_CONTEXT}"
}

kind_image() {
  local t0
  t0="$(now_ms)"
  docker build -t "${IMG}" "${REPO_ROOT}" >&2
  kind load docker-image "${IMG}" --name "${KIND_CLUSTER}" >&2
  jq -n --arg ref "${IMG}" --arg id "$(docker image inspect -f '{{.Id}}' "${IMG}")" --argjson ms "$(($(now_ms) - t0))" \
    '{ref: $ref, id: $id, built_with: "docker build", dockerfile: "Dockerfile", base_images: "the Dockerfile defaults", loaded_with: "kind load docker-image", build_and_load_ms: $ms}'
}

# kind_kill_container NODE CONTAINER_ID: SIGKILL through the node's containerd (not the API).
kind_kill_container() { docker exec "$1" ctr --namespace k8s.io tasks kill --signal SIGKILL "$2"; }

kind_down() {
  if [ "${CREATED_CLUSTER}" = 1 ]; then
    if [ "${KEEP_CLUSTER}" = 1 ]; then
      log "keeping kind cluster ${KIND_CLUSTER} (delete with: kind delete cluster --name ${KIND_CLUSTER})"
    else
      log "deleting kind cluster ${KIND_CLUSTER}"
      kind delete cluster --name "${KIND_CLUSTER}" || true
    fi
  fi
}

kind_logs() { kind export logs "${E2E_OUT}/kind-logs" --name "${KIND_CLUSTER}" >/dev/null 2>&1 || true; }

# -- local --
local_check() {
  check_tools buildah
  [ "$(id -u)" -eq 0 ] || die "the local cluster needs root (it runs a kubelet); use E2E_PROVIDER=kind with Docker otherwise"
}

local_up() {
  # One e2e run at a time on this machine: a second one would share (and tear down) the first's
  # cluster. The lock goes with this process.
  exec {E2E_LOCK_FD}>/run/crawler-local-cluster.e2e.lock
  flock -n "${E2E_LOCK_FD}" || die "another make e2e runs on the local cluster of this machine; wait for it to end"
  if "${LOCAL_CLUSTER}" status >/dev/null 2>&1; then
    log "reusing the running local cluster"
  else
    CREATED_CLUSTER=1
    # Closed for `up`: the cluster's daemons must not hold the lock after this run ends.
    "${LOCAL_CLUSTER}" up >&2 {E2E_LOCK_FD}>&-
  fi
  export KUBECONFIG
  KUBECONFIG="$("${LOCAL_CLUSTER}" kubeconfig)"
  KUBE_CONTEXT="$(kubectl config current-context)"
  kc cluster-info >/dev/null || die "kubectl cannot reach the local cluster"
}

# The Dockerfile, built by buildah against the local Debian base images (its MAVEN_IMAGE and
# RUNTIME_IMAGE arguments). Maven inside the build uses the host's network and, on an overlay,
# the host's ~/.m2 (so a warm repository is reused and left unchanged) and Java CA store.
local_image() {
  local t0 ref maven runtime args tar
  t0="$(now_ms)"
  maven="$("${LOCAL_CLUSTER}" base-image maven)"
  runtime="$("${LOCAL_CLUSTER}" base-image runtime)"
  # A bare name means docker.io/library/<name> to the kubelet.
  case "${IMG%%/*}" in
    *.* | *:[0-9]* | localhost) ref="${IMG}" ;;
    *) [[ "${IMG}" == */* ]] && ref="docker.io/${IMG}" || ref="docker.io/library/${IMG}" ;;
  esac
  args=(bud --pull=never --network=host --layers --build-arg "MAVEN_IMAGE=${maven}" --build-arg "RUNTIME_IMAGE=${runtime}"
    --build-arg "REVISION=$(git -C "${REPO_ROOT}" rev-parse HEAD 2>/dev/null || echo unknown)" -t "${ref}")
  mkdir -p "${HOME}/.m2"
  args+=(-v "${HOME}/.m2:/root/.m2:O")
  [ ! -f /etc/ssl/certs/java/cacerts ] || args+=(-v /etc/ssl/certs/java/cacerts:/etc/ssl/certs/java/cacerts:ro)
  buildah "${args[@]}" -f "${REPO_ROOT}/Dockerfile" "${REPO_ROOT}" >"${E2E_OUT}/image-build.log" 2>&1 \
    || { tail -n 40 "${E2E_OUT}/image-build.log" >&2; die "buildah bud failed (log: ${E2E_OUT}/image-build.log)"; }
  local t_built
  t_built="$(now_ms)"
  tar="${E2E_OUT}/image.tar"
  rm -f "${tar}"
  buildah push --quiet "${ref}" "docker-archive:${tar}:${ref}" >/dev/null
  "${LOCAL_CLUSTER}" load-image "${tar}"
  rm -f "${tar}"
  jq -n --arg ref "${ref}" --arg id "$(buildah inspect --type image -f '{{.FromImageID}}' "${ref}")" \
    --arg maven "${maven}" --arg runtime "${runtime}" --argjson build_ms "$((t_built - t0))" --argjson ms "$(($(now_ms) - t0))" \
    '{ref: $ref, id: $id, built_with: "buildah bud", dockerfile: "Dockerfile",
      base_images: {MAVEN_IMAGE: $maven, RUNTIME_IMAGE: $runtime, from: "debootstrap bookworm minbase + Debian packages (hack/local-cluster.sh)"},
      loaded_with: "docker-archive -> ctr images import", build_ms: $build_ms, build_and_load_ms: $ms}'
}

local_kill_container() { "${LOCAL_CLUSTER}" ctr tasks kill --signal SIGKILL "$2"; }

local_down() {
  if [ "${CREATED_CLUSTER}" = 1 ] && [ "${KEEP_CLUSTER}" != 1 ]; then
    "${LOCAL_CLUSTER}" down >&2 || true
  elif [ "${CREATED_CLUSTER}" = 1 ]; then
    log "keeping the local cluster (stop it with: hack/local-cluster.sh down)"
  fi
}

local_logs() { "${LOCAL_CLUSTER}" logs "${E2E_OUT}/cluster" >/dev/null 2>&1 || true; }

# ---- deployment (as a user does it) -------------------------------------------------------------
deploy_operator_and_etcd() {
  # The release manifest a user installs from (make release: CRD, admission policy, namespace, RBAC,
  # the operator with IMG), applied as its install section says; then the development etcd.
  make -C "${REPO_ROOT}" --no-print-directory -s release IMG="${IMG}" DIST="${E2E_OUT}/dist" >&2
  kc apply --server-side -f "${E2E_OUT}/dist/install.yaml" >&2
  kc wait --for "${WAIT_FOR_CRD_ESTABLISHED}" "crd/${CRD_NAME}" --timeout "${WAIT_TIMEOUT}" >&2
  kc apply -k "${REPO_ROOT}/deploy/etcd" >&2
  if [ "${CREATED_CLUSTER}" != 1 ]; then
    # Same tag, maybe a new build: unchanged pod templates would keep running the old one.
    kcn rollout restart "deployment/${OPERATOR_DEPLOYMENT}" >&2
  fi
  kcn rollout status "statefulset/${ETCD_STATEFULSET}" --timeout "${WAIT_TIMEOUT}" >&2
  kcn rollout status "deployment/${OPERATOR_DEPLOYMENT}" --timeout "${WAIT_TIMEOUT}" >&2
}

# On a reused cluster the previous sample's masters may run an older build under the same tag,
# and its leader and term would satisfy the waits at once: start from no sample.
remove_previous_sample() {
  kcn delete crawlermaster "${CM_NAME}" --ignore-not-found --wait >&2
  # Its StatefulSet, Services and pods go by garbage collection (owner references), after the CR.
  kcn wait --for=delete "statefulset/${CM_NAME}" "service/${CLIENT_SERVICE}" "service/${CM_NAME}-headless" \
    --timeout "${WAIT_TIMEOUT}" >&2 2>/dev/null || true
  kcn wait --for=delete pod -l "${MASTER_SELECTOR}" --timeout "${WAIT_TIMEOUT}" >&2
}

# `|| return`: these also run as conditions (if/&&), where errexit does not stop at a failed wait.
wait_for_leader() {
  kcn wait --for "${WAIT_FOR_LEADER_ELECTED}" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}" || return
  # Passes for an empty string too (kubectl 1.32); callers reject an empty leader.
  kcn wait --for "${WAIT_FOR_HAS_LEADER}" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}"
}

# Followers must be up and campaigning, or the failover time would include their start-up.
wait_for_all_replicas_ready() {
  local replicas
  replicas="$(cm_get "${JP_CM_SPEC_REPLICAS}")" || return
  [ -n "${replicas}" ] || die "crawlermaster/${CM_NAME} has no spec.replicas"
  kcn wait --for "$(wait_for_ready_replicas "${replicas}")" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}"
}

# The leader agrees everywhere: status, etcd, the only pod labelled leader, the Service's endpoints.
leader_consistent() { # leader_consistent LEADER
  local leader="$1" ip
  [ -n "${leader}" ] && [ "$(cm_leader)" = "${leader}" ] || return 1
  [ "$(etcd_leader "${leader}")" = "${leader}" ] || return 1
  [ "$(pods_with_role leader)" = "${leader}" ] || return 1
  ip="$(pod_ip "${leader}")"
  endpoints_exactly "${ip}"
}

# ---- steps --------------------------------------------------------------------------------------
step_pss_admission() {
  local enforce pods warnings
  deploy_operator_and_etcd
  [ "${CREATED_CLUSTER}" = 1 ] || remove_previous_sample
  enforce="$(kc get namespace "${NAMESPACE}" -o 'jsonpath={.metadata.labels.pod-security\.kubernetes\.io/enforce}')"
  [ "${enforce}" = restricted ] || die "namespace ${NAMESPACE} enforces '${enforce}', not restricted"
  # Re-evaluates every pod of the namespace against the profile (server-side dry run): any pod
  # that would not be admitted is named in a warning.
  warnings="$(kc label --dry-run=server --overwrite namespace "${NAMESPACE}" pod-security.kubernetes.io/enforce=restricted 2>&1 >/dev/null)"
  [ -z "${warnings}" ] || die "pods violate the restricted profile: ${warnings}"
  pods="$(kcn get pods --no-headers | wc -l)"
  log "pss_admission: ${pods} pods (operator, etcd) admitted under enforce=restricted"
  result ok=true enforce=restricted pods="${pods}" installed_from="dist/install.yaml (make release IMG=${IMG})"
}

step_leader_published() {
  local t0 leader etcd_leader_id warnings pods cmaster
  t0="$(now_ms)"
  kcn apply -f "${SAMPLE_FILE}" >&2
  wait_for_leader >&2
  local t_leader
  t_leader="$(now_ms)"
  wait_for_all_replicas_ready >&2
  local t_ready
  t_ready="$(now_ms)"
  cmaster="$(kcn get cmaster "${CM_NAME}")"
  log "kubectl get cmaster:"$'\n'"${cmaster}"
  leader="$(cm_leader)"
  [ -n "${leader}" ] || die "status.leader is empty"
  grep -qw "${leader}" <<<"$(tail -n1 <<<"${cmaster}")" || die "kubectl get cmaster does not show the leader ${leader}"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "etcd, status, role labels and Service agree on ${leader}" leader_consistent "${leader}"
  etcd_leader_id="$(etcd_leader "${leader}")"
  # The masters' pods exist now: check the whole namespace against the profile again.
  warnings="$(kc label --dry-run=server --overwrite namespace "${NAMESPACE}" pod-security.kubernetes.io/enforce=restricted 2>&1 >/dev/null)"
  [ -z "${warnings}" ] || die "pods violate the restricted profile: ${warnings}"
  pods="$(kcn get pods --no-headers | wc -l)"
  log "leader ${leader} (etcd: ${etcd_leader_id}); ${pods} pods admitted under restricted"
  result ok=true leader="${leader}" etcd_leader="${etcd_leader_id}" term="$(cm_term)" \
    leader_pods="$(pods_with_role leader | tr '\n' ' ' | sed 's/ $//')" \
    apply_to_leader_ms="$((t_leader - t0))" apply_to_all_ready_ms="$((t_ready - t0))" pods_admitted_restricted="${pods}"
}

step_service_routes_to_leader() {
  local leader follower response status served_by
  leader="$(cm_leader)"
  follower="$(ready_master_pod "${leader}")" || die "no Ready follower"
  response="$(http_from_pod "${follower}" GET "${CLIENT_SERVICE_DNS}" "${MASTER_PORT}" "${LEADER_ONLY_PATH}")"
  status="$(http_status <<<"${response}")"
  served_by="$(http_header "${SERVED_BY_HEADER}" <<<"${response}")"
  log "from ${follower}: GET http://${CLIENT_SERVICE_DNS}:${MASTER_PORT}${LEADER_ONLY_PATH} -> ${status}, served by ${served_by}"
  [ "${status}" = 200 ] || die "request through the Service answered ${status:-nothing}: ${response}"
  [ "${served_by}" = "${leader}" ] || die "request through the Service was served by '${served_by}', not the leader ${leader}"
  result ok=true from_pod="${follower}" url="http://${CLIENT_SERVICE_DNS}:${MASTER_PORT}${LEADER_ONLY_PATH}" \
    status="${status}" served_by="${served_by}"
}

step_follower_forwards() {
  local leader follower ip response status served_by
  leader="$(cm_leader)"
  follower="$(ready_master_pod "${leader}")" || die "no Ready follower"
  ip="$(pod_ip "${follower}")"
  response="$(http_from_pod "${leader}" GET "${ip}" "${MASTER_PORT}" "${LEADER_ONLY_PATH}")"
  status="$(http_status <<<"${response}")"
  served_by="$(http_header "${SERVED_BY_HEADER}" <<<"${response}")"
  log "GET http://${ip}:${MASTER_PORT}${LEADER_ONLY_PATH} (follower ${follower}) -> ${status}, served by ${served_by}"
  [ "${status}" = 200 ] || die "request to follower ${follower} answered ${status:-nothing}: ${response}"
  [ "${served_by}" = "${leader}" ] || die "follower ${follower} did not forward to the leader ${leader} (served by '${served_by}')"
  result ok=true follower="${follower}" follower_ip="${ip}" status="${status}" served_by="${served_by}"
}

# wait_for_new_leader OLD T0: polls until etcd, status and the Service name another leader than OLD;
# sets NEW_LEADER and the elapsed ms of each (ETCD_MS, STATUS_MS, SERVICE_MS).
wait_for_new_leader() {
  local old="$1" t0="$2" deadline leader etcd_id ip served
  deadline=$(($(now_ms) + FAILOVER_TIMEOUT_SECONDS * 1000))
  ETCD_MS="" STATUS_MS="" SERVICE_MS="" NEW_LEADER=""
  while [ -z "${ETCD_MS}" ] || [ -z "${STATUS_MS}" ] || [ -z "${SERVICE_MS}" ]; do
    [ "$(now_ms)" -lt "${deadline}" ] || die "no new leader everywhere within ${FAILOVER_TIMEOUT_SECONDS}s (etcd ${ETCD_MS:-?} ms, status ${STATUS_MS:-?} ms, service ${SERVICE_MS:-?} ms)"
    if [ -z "${ETCD_MS}" ]; then
      etcd_id="$(etcd_leader "${old}" 2>/dev/null || true)"
      if [ -n "${etcd_id}" ] && [ "${etcd_id}" != "${old}" ]; then ETCD_MS=$(($(now_ms) - t0)); NEW_LEADER="${etcd_id}"; fi
    fi
    if [ -z "${STATUS_MS}" ] && leader_other_than "${old}"; then STATUS_MS=$(($(now_ms) - t0)); fi
    if [ -n "${NEW_LEADER}" ] && [ -z "${SERVICE_MS}" ]; then
      ip="$(pod_ip "${NEW_LEADER}" 2>/dev/null || true)"
      if [ -n "${ip}" ] && endpoints_exactly "${ip}"; then SERVICE_MS=$(($(now_ms) - t0)); fi
    fi
    sleep "${POLL_INTERVAL_SECONDS}"
  done
  leader="$(cm_leader)"
  [ "${leader}" = "${NEW_LEADER}" ] || die "status names ${leader}, etcd ${NEW_LEADER}"
  served="$(served_by_through_service "$(ready_master_pod "${old}" "${NEW_LEADER}" || echo "${NEW_LEADER}")")"
  [ "${served}" = "${NEW_LEADER}" ] || die "the Service routes to ${served:-nobody}, not the new leader ${NEW_LEADER}"
}

step_pod_delete_failover() {
  local old t0
  old="$(cm_leader)"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "etcd, status, labels and Service agree on ${old}" leader_consistent "${old}"
  log "deleting leader pod ${old}"
  t0="$(now_ms)"
  kcn delete pod "${old}" --wait=false >&2
  wait_for_new_leader "${old}" "${t0}"
  log "pod delete failover: ${old} -> ${NEW_LEADER}: etcd ${ETCD_MS} ms, status ${STATUS_MS} ms, Service ${SERVICE_MS} ms"
  wait_for_all_replicas_ready >&2
  result ok=true ms="$(max "${ETCD_MS}" "${STATUS_MS}" "${SERVICE_MS}")" old_leader="${old}" new_leader="${NEW_LEADER}" \
    etcd_ms="${ETCD_MS}" status_ms="${STATUS_MS}" service_ms="${SERVICE_MS}" term="$(cm_term)"
}

max() { printf '%s\n' "$@" | sort -n | tail -n1; }

# container_rejoined POD RESTARTS: POD's master container restarted more than RESTARTS times, is
# Ready and labelled follower.
container_rejoined() {
  [ "$(kcn get pod "$1" -o "jsonpath=${JP_MASTER_RESTARTS}")" -gt "$2" ] \
    && [ "$(kcn get pod "$1" -o "jsonpath=${JP_MASTER_READY}")" = true ] \
    && [ "$(kcn get pod "$1" -o "jsonpath={.metadata.labels.crawler\.dev/role}")" = follower ]
}

step_container_kill_failover() {
  local old node cid restarts t0 t_rejoined role
  old="$(cm_leader)"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "etcd, status, labels and Service agree on ${old}" leader_consistent "${old}"
  node="$(kcn get pod "${old}" -o "jsonpath=${JP_POD_NODE}")"
  cid="$(kcn get pod "${old}" -o "jsonpath=${JP_MASTER_CONTAINER_ID}")"
  cid="${cid#*://}"
  restarts="$(kcn get pod "${old}" -o "jsonpath=${JP_MASTER_RESTARTS}")"
  [ -n "${cid}" ] || die "no container id for ${old}"
  log "SIGKILL to the leader's container ${cid:0:12} (${old} on ${node}) through the runtime"
  t0="$(now_ms)"
  "${PROVIDER}_kill_container" "${node}" "${cid}" >&2
  wait_for_new_leader "${old}" "${t0}"
  log "container kill failover: ${old} -> ${NEW_LEADER}: etcd ${ETCD_MS} ms, status ${STATUS_MS} ms, Service ${SERVICE_MS} ms"
  poll_until 120 "${old}'s container restarts and is a Ready follower" container_rejoined "${old}" "${restarts}"
  t_rejoined="$(now_ms)"
  role="$(kcn get pod "${old}" -o "jsonpath={.metadata.labels.crawler\.dev/role}")"
  log "${old} restarted ($((restarts + 1)) restarts) and rejoined as ${role} after $((t_rejoined - t0)) ms"
  result ok=true ms="$(max "${ETCD_MS}" "${STATUS_MS}" "${SERVICE_MS}")" old_leader="${old}" new_leader="${NEW_LEADER}" \
    etcd_ms="${ETCD_MS}" status_ms="${STATUS_MS}" service_ms="${SERVICE_MS}" \
    restarted_and_rejoined_as="${role}" rejoined_ms="$((t_rejoined - t0))" term="$(cm_term)"
}

lease_holder() { kcn get lease "${OPERATOR_LEASE}" -o "jsonpath=${JP_LEASE_HOLDER}"; }
lease_holder_other_than() {
  local h
  h="$(lease_holder 2>/dev/null)" || return 1
  [ -n "${h}" ] && [ "${h}" != "$1" ]
}

step_operator_failover() {
  local active standby t0 t_lease old t1
  active="$(lease_holder)"
  [ -n "${active}" ] || die "lease ${OPERATOR_LEASE} has no holder"
  kcn get pod "${active}" >/dev/null || die "the lease holder ${active} is not a pod of ${NAMESPACE}"
  log "deleting the active operator pod ${active}"
  t0="$(now_ms)"
  kcn delete pod "${active}" --wait=false >&2
  poll_until 90 "another operator pod holds lease ${OPERATOR_LEASE}" lease_holder_other_than "${active}"
  t_lease="$(now_ms)"
  standby="$(lease_holder)"
  log "lease taken by ${standby} after $((t_lease - t0)) ms"
  # The new active operator must publish the next leader change.
  old="$(cm_leader)"
  t1="$(now_ms)"
  kcn delete pod "${old}" --wait=false >&2
  wait_for_new_leader "${old}" "${t1}"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "labels agree on ${NEW_LEADER}" leader_consistent "${NEW_LEADER}"
  log "new operator ${standby} published ${old} -> ${NEW_LEADER}: status ${STATUS_MS} ms"
  wait_for_all_replicas_ready >&2
  kcn rollout status "deployment/${OPERATOR_DEPLOYMENT}" --timeout "${WAIT_TIMEOUT}" >&2
  result ok=true old_operator="${active}" new_operator="${standby}" lease_takeover_ms="$((t_lease - t0))" \
    next_leader_change="${old} -> ${NEW_LEADER}" next_change_status_ms="${STATUS_MS}" next_change_service_ms="${SERVICE_MS}"
}

step_etcd_restart() {
  local watch_pid watch_file t0 t_ready saw_false leader
  watch_file="${E2E_OUT}/etcd-restart-conditions.txt"
  # Every change of the two conditions, "EtcdReachable LeaderElected", one a line.
  kcn get crawlermaster "${CM_NAME}" --watch -o "jsonpath=${JP_CM_CONDITIONS}{\"\\n\"}" >"${watch_file}" 2>&1 &
  watch_pid=$!
  sleep 1
  log "restarting etcd (deleting pod ${ETCD_POD})"
  t0="$(now_ms)"
  kcn delete pod "${ETCD_POD}" --wait=false >&2
  poll_until 90 "EtcdReachable or LeaderElected goes False" grep -q False "${watch_file}"
  local t_false
  t_false="$(now_ms)"
  kcn rollout status "statefulset/${ETCD_STATEFULSET}" --timeout "${WAIT_TIMEOUT}" >&2
  poll_until 120 "EtcdReachable and LeaderElected are True again" true_after_false "${watch_file}"
  t_ready="$(now_ms)"
  kill "${watch_pid}" 2>/dev/null || true
  wait "${watch_pid}" 2>/dev/null || true
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "etcd, status, labels and Service agree on the leader after the restart" \
    leader_consistent_now
  leader="$(cm_leader)"
  saw_false="$(grep -c False "${watch_file}" || true)"
  log "etcd restart: conditions False after $((t_false - t0)) ms, True again after $((t_ready - t0)) ms; leader ${leader}"
  log "condition changes (EtcdReachable LeaderElected): $(uniq "${watch_file}" | tr '\n' ',' | sed 's/,$//')"
  wait_for_all_replicas_ready >&2
  result ok=true false_after_ms="$((t_false - t0))" true_again_ms="$((t_ready - t0))" leader="${leader}" \
    false_lines="${saw_false}" transitions="$(uniq "${watch_file}" | tr '\n' ',' | sed 's/,$//')"
}
leader_consistent_now() { leader_consistent "$(cm_leader)"; }
# true_after_false FILE: after a line with False, a line "True True" (both conditions True again).
true_after_false() { sed -n '/False/,$p' "$1" | grep -qx 'True True'; }
master_pods_are() { [ "$(kcn get pods -l "${MASTER_SELECTOR}" --no-headers 2>/dev/null | wc -l)" = "$1" ]; }

step_scale() {
  local t0 t5 t3
  t0="$(now_ms)"
  kcn scale cmaster "${CM_NAME}" --replicas=5 >&2
  kcn wait --for "$(wait_for_ready_replicas 5)" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}" >&2
  [ "$(kcn get statefulset "${CM_NAME}" -o 'jsonpath={.spec.replicas}')" = 5 ] || die "StatefulSet not at 5 replicas"
  t5="$(now_ms)"
  kcn scale cmaster "${CM_NAME}" --replicas=3 >&2
  poll_until 120 "3 master pods are left" master_pods_are 3
  kcn wait --for "$(wait_for_ready_replicas 3)" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}" >&2
  t3="$(now_ms)"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "etcd, status, labels and Service agree on the leader" leader_consistent_now
  log "scaled to 5 Ready in $((t5 - t0)) ms, back to 3 in $((t3 - t5)) ms; leader $(cm_leader)"
  result ok=true to_5_ready_ms="$((t5 - t0))" to_3_ms="$((t3 - t5))" leader="$(cm_leader)"
}

# The site to crawl, inside the cluster only: a restricted pod running the image's demo-site.
site_manifest() {
  cat <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: ${SITE_NAME}
  namespace: ${NAMESPACE}
  labels: {app.kubernetes.io/name: ${SITE_NAME}}
spec:
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: site
      image: ${IMG}
      imagePullPolicy: IfNotPresent
      args: [demo-site, --bind, 0.0.0.0, --port, "8080", --pages, "2000"]
      ports: [{name: http, containerPort: 8080}]
      readinessProbe: {tcpSocket: {port: http}, periodSeconds: 2}
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      volumeMounts: [{name: tmp, mountPath: /tmp}]
  volumes: [{name: tmp, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata:
  name: ${SITE_NAME}
  namespace: ${NAMESPACE}
spec:
  selector: {app.kubernetes.io/name: ${SITE_NAME}}
  ports: [{name: http, port: 8080, targetPort: http}]
EOF
}

# Every progress value under <prefix>/progress/, one JSON object a line, read from etcd's JSON
# gateway from a master pod.
crawl_progress() {
  local from start end response
  from="$(ready_master_pod)" || return 1
  start="$(printf '%s' "${KEY_PREFIX}/progress/" | base64 -w0)"
  end="$(printf '%s' "${KEY_PREFIX}/progress0" | base64 -w0)"
  # HTTP/1.0: the answer is larger than Go's server sends unchunked to an HTTP/1.1 client.
  response="$(HTTP_VERSION=1.0 http_from_pod "${from}" POST "${ETCD_SERVICE_URL%:*}" "${ETCD_SERVICE_URL##*:}" /v3/kv/range \
    "{\"key\":\"${start}\",\"range_end\":\"${end}\"}" 2>/dev/null)" || return 1
  [ "$(http_status <<<"${response}")" = 200 ] || return 1
  http_body <<<"${response}" | jq -r '.kvs[]?.value' | while read -r v; do printf '%s' "${v}" | base64 -d; echo; done
}
pages_crawled() { crawl_progress | jq -s 'map(.pages) | add // 0'; }
crawls_done() { [ "$(crawl_progress | jq -s 'map(select(.state == "done")) | length')" = "${#CRAWL_RESOURCES[@]}" ]; }
some_pages_crawled() { [ "$(pages_crawled)" -ge 10 ]; }
workers_registered() { [ "$(cm_get '{.status.workers}')" = "$1" ]; }
workers_deployment_exists() { kcn get "deployment/${CM_NAME}-workers" >/dev/null 2>&1; }

step_workers_crawl_through_failover() {
  local from body r i before after t0 old new states
  site_manifest | kc apply -f - >&2
  kcn wait --for condition=Ready "pod/${SITE_NAME}" --timeout "${WAIT_TIMEOUT}" >&2
  # Site ClusterIPs are private addresses: the workers must be allowed to connect to them.
  kcn patch crawlermaster "${CM_NAME}" --type merge \
    -p '{"spec":{"workers":{"replicas":2,"crawlDelayMillis":100,"allowPrivateTargets":true}}}' >&2
  poll_until 120 "the workers' Deployment exists" workers_deployment_exists
  kcn rollout status "deployment/${CM_NAME}-workers" --timeout "${WAIT_TIMEOUT}" >&2
  poll_until 60 "status.workers shows 2 registered workers" workers_registered 2
  from="$(ready_master_pod)"
  i=0
  for r in "${CRAWL_RESOURCES[@]}"; do
    i=$((i + 1))
    body="{\"name\":\"${r}\",\"url\":\"${SITE_URL}/p/${i}\",\"maxPages\":${CRAWL_PAGES},\"maxDepth\":4}"
    [ "$(http_from_pod "${from}" POST "${CLIENT_SERVICE_DNS}" "${MASTER_PORT}" "${LEADER_ONLY_PATH}" "${body}" | http_status)" = 201 ] \
      || die "POST ${LEADER_ONLY_PATH} ${r} was not created"
  done
  poll_until 60 "the workers have crawled some pages" some_pages_crawled
  before="$(pages_crawled)"
  old="$(cm_leader)"
  t0="$(now_ms)"
  kcn delete pod "${old}" --wait=false >&2
  log "deleted leader pod ${old} with ${before} pages crawled"
  wait_for_new_leader "${old}" "${t0}"
  new="${NEW_LEADER}"
  poll_until 180 "all ${#CRAWL_RESOURCES[@]} crawls done" crawls_done
  after="$(pages_crawled)"
  states="$(crawl_progress | jq -sc 'map({(.resource): {state, pages, worker, resumes}}) | add')"
  log "crawls: ${states}"
  [ "$(crawl_progress | jq -s "map(select(.pages > 0 and (.done | length) == ${CRAWL_PAGES})) | length")" = "${#CRAWL_RESOURCES[@]}" ] \
    || die "a crawl ended without reaching its ${CRAWL_PAGES} pages: ${states}"
  kcn logs -l "${WORKER_SELECTOR}" --tail=-1 --prefix >"${E2E_OUT}/worker-pages.log" 2>&1 || true
  site_manifest | kc delete -f - --wait=false >&2
  log "leader ${old} -> ${new}; pages crawled ${before} before the delete, $((after - before)) after; every resource done"
  result ok=true resources="${#CRAWL_RESOURCES[@]}" pages_before="${before}" pages_after="$((after - before))" \
    lost=0 leader_before="${old}" leader_after="${new}" ms="$(($(now_ms) - t0))"
}

# The objects the chart renders (no CRD: Helm leaves an existing one alone), as kind/name.
chart_objects() {
  "${HELM}" template "${HELM_RELEASE}" "${REPO_ROOT}/charts/crawler-operator" --namespace "${NAMESPACE}" \
    --kube-context "${KUBE_CONTEXT}" | kc create --dry-run=client -f - -o name
}
helm_release_status() {
  "${HELM}" status "${HELM_RELEASE}" --namespace "${NAMESPACE}" --kube-context "${KUBE_CONTEXT}" -o json
}

step_helm_takes_over_install() {
  local leader term t0 objects revision
  [ -x "${HELM}" ] || die "${HELM} is missing: run make tools"
  wait_for_leader >&2
  leader="$(cm_leader)"
  term="$(cm_get "${JP_CM_TERM}")"
  # Helm adopts objects that carry its ownership label and annotations (its documented way to take
  # over what was installed without it).
  mapfile -t objects < <(chart_objects)
  [ "${#objects[@]}" -gt 5 ] || die "the chart renders only ${#objects[@]} objects"
  kcn label --overwrite "${objects[@]}" app.kubernetes.io/managed-by=Helm >&2
  kcn annotate --overwrite "${objects[@]}" "meta.helm.sh/release-name=${HELM_RELEASE}" \
    "meta.helm.sh/release-namespace=${NAMESPACE}" >&2
  t0="$(now_ms)"
  "${HELM}" upgrade --install "${HELM_RELEASE}" "${REPO_ROOT}/charts/crawler-operator" --namespace "${NAMESPACE}" \
    --kube-context "${KUBE_CONTEXT}" --set "image.repository=${IMG%:*}" --set "image.tag=${IMG##*:}" \
    --wait --timeout "${WAIT_TIMEOUT}" >&2
  local release
  release="$(helm_release_status)"
  [ "$(jq -r .info.status <<<"${release}")" = deployed ] || die "helm release ${HELM_RELEASE} is not deployed"
  revision="$(jq -r .version <<<"${release}")"
  kcn rollout status "deployment/${OPERATOR_DEPLOYMENT}" --timeout "${WAIT_TIMEOUT}" >&2
  [ "$(kcn get "deployment/${OPERATOR_DEPLOYMENT}" -o 'jsonpath={.metadata.labels.helm\.sh/chart}')" = "crawler-operator-$(awk '/^version:/ {print $2}' "${REPO_ROOT}/charts/crawler-operator/Chart.yaml")" ] \
    || die "deployment/${OPERATOR_DEPLOYMENT} does not carry the chart's labels"
  local t_installed
  t_installed="$(now_ms)"
  # A new operator changes nothing of what runs: same leader, same term.
  poll_until 60 "an operator holds lease ${OPERATOR_LEASE}" lease_holder_present
  if [ "$(cm_leader)" != "${leader}" ] || [ "$(cm_get "${JP_CM_TERM}")" != "${term}" ]; then
    die "the operator's take-over by Helm moved leadership: ${leader} term ${term} -> $(cm_leader) term $(cm_get "${JP_CM_TERM}")"
  fi
  # And the chart's operator follows the election: the next leader change reaches the status.
  local t1
  t1="$(now_ms)"
  kcn delete pod "${leader}" --wait=false >&2
  wait_for_new_leader "${leader}" "${t1}"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "labels agree on ${NEW_LEADER}" leader_consistent "${NEW_LEADER}"
  wait_for_all_replicas_ready >&2
  log "helm release ${HELM_RELEASE} revision ${revision} took over ${#objects[@]} objects in $((t_installed - t0)) ms; leader ${leader} (term ${term}) kept; next change ${leader} -> ${NEW_LEADER} published in ${STATUS_MS} ms"
  result ok=true release="${HELM_RELEASE}" revision="${revision}" objects="${#objects[@]}" upgrade_ms="$((t_installed - t0))" \
    leader_kept="${leader}" term_kept="${term}" next_leader_change="${leader} -> ${NEW_LEADER}" next_change_status_ms="${STATUS_MS}"
}
lease_holder_present() { [ -n "$(lease_holder)" ]; }

step_cr_delete_gc() {
  local t0
  collect_pod_logs # the masters' logs, before they go
  t0="$(now_ms)"
  kcn delete crawlermaster "${CM_NAME}" --wait=true >&2
  kcn wait --for=delete "statefulset/${CM_NAME}" "service/${CLIENT_SERVICE}" "service/${CM_NAME}-headless" \
    --timeout "${WAIT_TIMEOUT}" >&2 2>/dev/null || true
  kcn wait --for=delete pod -l "${MASTER_SELECTOR}" --timeout "${WAIT_TIMEOUT}" >&2
  # The workers' Deployment, its ReplicaSet and pods go the same way.
  kcn wait --for=delete pod -l "${WORKER_SELECTOR}" --timeout "${WAIT_TIMEOUT}" >&2
  local left
  left="$(kcn get statefulsets,deployments,services,pods -l "app.kubernetes.io/instance=${CM_NAME}" --no-headers 2>/dev/null | wc -l)"
  [ "${left}" = 0 ] || die "${left} objects of ${CM_NAME} left after deleting the CR"
  for o in "statefulset/${CM_NAME}" "service/${CLIENT_SERVICE}" "service/${CM_NAME}-headless"; do
    ! kcn get "${o}" >/dev/null 2>&1 || die "${o} still exists"
  done
  log "CR deleted: StatefulSet, Services and pods gone after $(($(now_ms) - t0)) ms"
  result ok=true gc_ms="$(($(now_ms) - t0))"
}

# ---- diagnostics and main -----------------------------------------------------------------------
dump_diagnostics() {
  {
    kcn get crawlermasters,statefulsets,deployments,pods,services,endpointslices,leases -o wide || true
    kcn get crawlermaster "${CM_NAME}" -o yaml || true
    kcn get events --sort-by=.lastTimestamp | tail -n 60 || true
  } >"${E2E_OUT}/diagnostics.txt" 2>&1
}

collect_pod_logs() {
  local pod c
  mkdir -p "${E2E_OUT}/pods"
  for pod in $(kcn get pods -o 'jsonpath={range .items[*]}{.metadata.name}{" "}{end}' 2>/dev/null); do
    for c in $(kcn get pod "${pod}" -o 'jsonpath={range .spec.containers[*]}{.name}{" "}{end}' 2>/dev/null); do
      kcn logs "${pod}" -c "${c}" >"${E2E_OUT}/pods/${pod}_${c}.log" 2>&1 || true
      kcn logs "${pod}" -c "${c}" --previous >"${E2E_OUT}/pods/${pod}_${c}.previous.log" 2>/dev/null \
        || rm -f "${E2E_OUT}/pods/${pod}_${c}.previous.log"
    done
  done
}

collect_logs() {
  collect_pod_logs
  kc get events -A --sort-by=.lastTimestamp >"${E2E_OUT}/events.txt" 2>&1 || true
  "${PROVIDER}_logs"
}

PROVIDER=""
on_exit() {
  local rc=$?
  if [ "${CLUSTER_READY:-0}" = 1 ]; then
    [ "${rc}" -eq 0 ] || dump_diagnostics
    collect_logs
  fi
  [ -z "${PROVIDER}" ] || "${PROVIDER}_down"
  exit "${rc}"
}

main() {
  case "${1:-}" in
    "") ;;
    -h | --help) sed -n '2,42p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unexpected argument '$1'; settings come from the environment (see --help)" ;;
  esac
  check_image_name
  PROVIDER="$(choose_provider)"
  "${PROVIDER}_check"
  rm -rf "${E2E_OUT}"
  mkdir -p "${E2E_OUT}/steps"
  log "cluster provider: ${PROVIDER}"
  local t_start image_json s ok=0 failed="" pod_ms container_ms
  t_start="$(now_ms)"
  trap on_exit EXIT
  "${PROVIDER}_up"
  CLUSTER_READY=1
  log "cluster ready after $(($(now_ms) - t_start)) ms; building ${IMG}"
  image_json="$("${PROVIDER}_image")"
  log "image: $(jq -c . <<<"${image_json}")"
  for s in "${STEPS[@]}"; do
    if [ -n "${failed}" ]; then
      CURRENT_STEP="${s}" result ok=false error="skipped after ${failed} failed"
      continue
    fi
    log "---- step ${s}"
    CURRENT_STEP="${s}"
    set +e
    (set -e; "step_${s}")
    local rc=$?
    set -e
    if [ "${rc}" -eq 0 ] && [ -f "${E2E_OUT}/steps/${s}.json" ]; then
      ok=$((ok + 1))
    else
      failed="${s}"
      [ -f "${E2E_OUT}/steps/${s}.json" ] || result ok=false error="failed (exit ${rc}); see the log above and ${E2E_OUT}/diagnostics.txt"
      dump_diagnostics
    fi
  done
  write_results "${PROVIDER}" "${image_json}"
  pod_ms="$(jq -r '.steps.pod_delete_failover.ms // "-"' "${E2E_OUT}/results.json")"
  container_ms="$(jq -r '.steps.container_kill_failover.ms // "-"' "${E2E_OUT}/results.json")"
  log "results: ${E2E_OUT}/results.json; total $(($(now_ms) - t_start)) ms"
  echo "e2e: ${ok}/${#STEPS[@]} steps ok; pod delete failover ${pod_ms} ms; container kill failover ${container_ms} ms"
  [ -z "${failed}" ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
