#!/usr/bin/env bash
# End-to-end failover test on a kind cluster:
#   kind cluster -> image build + load -> dev etcd -> CRD -> operator -> CrawlerMaster sample
#   -> wait for a leader -> delete the leader pod -> wait until another pod leads and the
#   client Service routes to it -> print the measured times.
#
# Needs kind, docker (with a running daemon) and kubectl. Run from anywhere:
#   hack/e2e-kind.sh
#   KEEP_CLUSTER=1 IMG=crawler-master:e2e KIND_CLUSTER=crawler-e2e hack/e2e-kind.sh
#
# Settings (environment):
#   KIND_CLUSTER    kind cluster name (default crawler-e2e); reused when it already exists
#   IMG             image to build and load (default crawler-master:e2e); must not be :latest,
#                   or Kubernetes would try to pull it instead of using the loaded copy
#   KEEP_CLUSTER    1 keeps a cluster this run created; a reused cluster is never deleted
#   KIND_NODE_IMAGE kindest/node image for a new cluster (default: the one kind pins)
#   KUBE_CONTEXT    kubectl context (default kind-$KIND_CLUSTER)
#   WAIT_TIMEOUT    timeout of each kubectl wait/rollout (default 180s)
#   FAILOVER_TIMEOUT_SECONDS  deadline for the failover checks (default 60)
#
# Sourcing the script (`source hack/e2e-kind.sh`) defines the settings, expressions and
# functions without running anything, so a test can run each query against a real API server.
set -euo pipefail

# ---- settings ---------------------------------------------------------------------------------
KIND_CLUSTER="${KIND_CLUSTER:-crawler-e2e}"
IMG="${IMG:-crawler-master:e2e}"
KEEP_CLUSTER="${KEEP_CLUSTER:-0}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-}"
KUBE_CONTEXT="${KUBE_CONTEXT:-kind-${KIND_CLUSTER}}"
WAIT_TIMEOUT="${WAIT_TIMEOUT:-180s}"
FAILOVER_TIMEOUT_SECONDS="${FAILOVER_TIMEOUT_SECONDS:-60}"
POLL_INTERVAL_SECONDS="0.2"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Names the deploy/ manifests and the operator define; keep in sync with them.
NAMESPACE="crawler-system"
CRD_NAME="crawlermasters.crawler.dev"
ETCD_STATEFULSET="etcd"
OPERATOR_DEPLOYMENT="crawler-operator"
OPERATOR_CONTAINER="operator"
# deploy/operator.yaml names this image for the operator and its CRAWLER_MASTER_IMAGE; replaced by IMG.
MANIFEST_IMAGE="crawler-master:latest"
SAMPLE_FILE="${REPO_ROOT}/deploy/samples/crawlermaster.yaml"
CM_NAME="demo"
# The operator's client Service for a CrawlerMaster: named like it, selects the leader pod.
CLIENT_SERVICE="${CM_NAME}"


# ---- every kubectl query the script makes ------------------------------------------------------
# `kubectl get -o jsonpath=...` expressions:
JP_CM_LEADER='{.status.leader}'
JP_CM_TERM='{.status.term}'
JP_CM_SPEC_REPLICAS='{.spec.replicas}'
JP_POD_IP='{.status.podIP}'
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
log() { printf '[e2e-kind] %s\n' "$*"; }
die() { printf '[e2e-kind] ERROR: %s\n' "$*" >&2; exit 1; }

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

# ---- steps ------------------------------------------------------------------------------------
check_tools() {
  local missing=() tool
  for tool in kind docker kubectl; do
    command -v "${tool}" >/dev/null 2>&1 || missing+=("${tool}")
  done
  [ "${#missing[@]}" -eq 0 ] || die "missing required tools: ${missing[*]}. Install kind \
(https://kind.sigs.k8s.io/docs/user/quick-start/#installation), docker and kubectl, then re-run."
  docker info >/dev/null 2>&1 || die "docker is installed but its daemon is not reachable ('docker info' failed)."
  case "${IMG##*/}" in
    *:latest | *@*) die "IMG=${IMG}: use a fixed tag such as crawler-master:e2e; ':latest' makes Kubernetes pull instead of using the image kind loaded." ;;
    *:*) ;;
    *) die "IMG=${IMG} has no tag; use e.g. crawler-master:e2e (an untagged image means ':latest', which Kubernetes pulls)." ;;
  esac
  [[ "$(now_ms)" =~ ^[0-9]+$ ]] || die "cannot read the clock in milliseconds (needs bash >= 5 or GNU date)."
}

CREATED_CLUSTER=0
create_cluster() {
  if kind get clusters 2>/dev/null | grep -qx "${KIND_CLUSTER}"; then
    log "reusing kind cluster ${KIND_CLUSTER}"
  else
    log "creating kind cluster ${KIND_CLUSTER}"
    local args=(create cluster --name "${KIND_CLUSTER}" --config "${REPO_ROOT}/deploy/kind/kind-config.yaml" --wait 120s)
    [ -z "${KIND_NODE_IMAGE}" ] || args+=(--image "${KIND_NODE_IMAGE}")
    CREATED_CLUSTER=1
    kind "${args[@]}"
  fi
  kc cluster-info >/dev/null || die "kubectl cannot reach context ${KUBE_CONTEXT}"
}

build_and_load_image() {
  log "building ${IMG}"
  docker build -t "${IMG}" "${REPO_ROOT}"
  log "loading ${IMG} into ${KIND_CLUSTER}"
  kind load docker-image "${IMG}" --name "${KIND_CLUSTER}"
}

deploy_etcd() {
  # deploy/etcd does not own the namespace (deploy/ does), and it is applied first.
  kc create namespace "${NAMESPACE}" --dry-run=client -o yaml | kc apply -f -
  kc apply -k "${REPO_ROOT}/deploy/etcd"
  kcn rollout status "statefulset/${ETCD_STATEFULSET}" --timeout "${WAIT_TIMEOUT}"
}

deploy_crds() {
  # -k, not -f: crds/ also holds its kustomization.yaml, which -f would send as an object.
  kc apply -k "${REPO_ROOT}/crds/"
  kc wait --for "${WAIT_FOR_CRD_ESTABLISHED}" "crd/${CRD_NAME}" --timeout "${WAIT_TIMEOUT}"
}

# deploy/ with IMG in place of the manifests' image: one apply, so no pod ever starts with an
# image that was not loaded, and re-applying on a reused cluster does not revert a patch.
# The pull policy in deploy/ is IfNotPresent: the image exists only on the nodes (kind load).
deploy_manifests() {
  kubectl kustomize "${REPO_ROOT}/deploy/" | sed "s|${MANIFEST_IMAGE}|${IMG}|g"
}

deploy_operator() {
  deploy_manifests | kc apply -f -
  if [ "${CREATED_CLUSTER}" != 1 ]; then
    # Same tag, maybe a new build: unchanged pod templates would keep running the old one.
    kcn rollout restart "deployment/${OPERATOR_DEPLOYMENT}"
  fi
  kcn rollout status "deployment/${OPERATOR_DEPLOYMENT}" --timeout "${WAIT_TIMEOUT}"
}

# On a reused cluster the previous sample's masters may run an older build under the same tag,
# and its leader and term would satisfy the waits at once: start from no sample.
remove_previous_sample() {
  kcn delete crawlermaster "${CM_NAME}" --ignore-not-found --wait
  # Its StatefulSet, Services and pods go by garbage collection (owner references), after the CR.
  kcn wait --for=delete "statefulset/${CM_NAME}" "service/${CLIENT_SERVICE}" "service/${CM_NAME}-headless" \
    --timeout "${WAIT_TIMEOUT}"
  kcn wait --for=delete pod -l "app.kubernetes.io/name=crawler-master,app.kubernetes.io/instance=${CM_NAME}" \
    --timeout "${WAIT_TIMEOUT}"
}

deploy_sample() {
  # Set spec.image before the first apply so the StatefulSet never runs another image.
  kc patch --local -f "${SAMPLE_FILE}" --type merge -p "{\"spec\":{\"image\":\"${IMG}\"}}" -o yaml \
    | kcn apply -f -
}

# `|| return`: these also run as conditions (if/&&), where errexit does not stop at a failed wait.
wait_for_leader() {
  kcn wait --for "${WAIT_FOR_LEADER_ELECTED}" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}" || return
  # Passes for an empty string too (kubectl 1.32); run_failover rejects an empty leader.
  kcn wait --for "${WAIT_FOR_HAS_LEADER}" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}"
}

# Followers must be up and campaigning, or the failover time would include their start-up.
wait_for_all_replicas_ready() {
  local replicas
  replicas="$(cm_get "${JP_CM_SPEC_REPLICAS}")" || return
  [ -n "${replicas}" ] || die "crawlermaster/${CM_NAME} has no spec.replicas"
  kcn wait --for "$(wait_for_ready_replicas "${replicas}")" "crawlermaster/${CM_NAME}" --timeout "${WAIT_TIMEOUT}"
}

run_failover() {
  local old_leader old_term old_ip new_leader new_term new_ip t0 t_leader t_endpoints
  old_leader="$(cm_leader)"
  old_term="$(cm_term)"
  [ -n "${old_leader}" ] || die "crawlermaster/${CM_NAME} reports no leader"
  old_ip="$(pod_ip "${old_leader}")"
  log "leader ${old_leader} (term ${old_term}, ${old_ip}); checking the client Service routes to it"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "service ${CLIENT_SERVICE} routes only to ${old_ip}" endpoints_exactly "${old_ip}"

  log "deleting leader pod ${old_leader}"
  t0="$(now_ms)"
  kcn delete pod "${old_leader}" --wait=false
  # The StatefulSet recreates a pod with the same name, but the replicas that were already
  # waiting in the election win long before it starts, so a new leader has another name.
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "another pod than ${old_leader} leads" leader_other_than "${old_leader}"
  t_leader="$(now_ms)"
  new_leader="$(cm_leader)"
  new_term="$(cm_term)"
  new_ip="$(pod_ip "${new_leader}")"
  [ -n "${new_ip}" ] || die "new leader pod ${new_leader} has no IP"
  poll_until "${FAILOVER_TIMEOUT_SECONDS}" "service ${CLIENT_SERVICE} routes only to ${new_ip}" endpoints_exactly "${new_ip}"
  t_endpoints="$(now_ms)"

  log "failover: ${old_leader} (term ${old_term}) -> ${new_leader} (term ${new_term}, ${new_ip})"
  log "  pod deleted -> status.leader is ${new_leader}: $((t_leader - t0)) ms"
  log "  pod deleted -> service ${CLIENT_SERVICE} routes to ${new_ip}: $((t_endpoints - t0)) ms"
  log "  (polled every ${POLL_INTERVAL_SECONDS}s plus one kubectl round trip; read as upper bounds)"
}

dump_diagnostics() {
  log "diagnostics (context ${KUBE_CONTEXT}, namespace ${NAMESPACE}):"
  kcn get crawlermasters,statefulsets,deployments,pods,services,endpointslices -o wide || true
  kcn get crawlermaster "${CM_NAME}" -o yaml || true
  kcn get events --sort-by=.lastTimestamp | tail -n 40 || true
  kcn logs "deployment/${OPERATOR_DEPLOYMENT}" -c "${OPERATOR_CONTAINER}" --tail=100 || true
}

on_exit() {
  local rc=$?
  if [ "${rc}" -ne 0 ] && [ "${CLUSTER_READY:-0}" = 1 ]; then
    dump_diagnostics >&2
  fi
  if [ "${CREATED_CLUSTER}" = 1 ]; then
    if [ "${KEEP_CLUSTER}" = 1 ]; then
      log "keeping kind cluster ${KIND_CLUSTER} (delete with: kind delete cluster --name ${KIND_CLUSTER})"
    else
      log "deleting kind cluster ${KIND_CLUSTER}"
      kind delete cluster --name "${KIND_CLUSTER}" || true
    fi
  fi
  exit "${rc}"
}

main() {
  case "${1:-}" in
    "") ;;
    -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) die "unexpected argument '$1'; settings come from the environment (see --help)" ;;
  esac
  check_tools
  trap on_exit EXIT
  create_cluster
  CLUSTER_READY=1
  build_and_load_image
  deploy_etcd
  deploy_crds
  deploy_operator
  [ "${CREATED_CLUSTER}" = 1 ] || remove_previous_sample
  local t0
  t0="$(now_ms)"
  deploy_sample
  wait_for_leader
  log "sample applied -> leader elected: $(($(now_ms) - t0)) ms"
  wait_for_all_replicas_ready
  run_failover
  log "PASS"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
