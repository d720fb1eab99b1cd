#!/usr/bin/env bash
# A real single-node Kubernetes on this Debian machine, without Docker and without a registry,
# for `make e2e` (hack/e2e.sh, provider "local"):
#   containerd + runc + CNI bridge from Debian; etcd, kube-apiserver, kube-controller-manager,
#   kube-scheduler, kubelet, kube-proxy and CoreDNS built from their Go modules at pinned
#   versions; every image built locally (pause, CoreDNS, etcd, Debian base images).
#
# Usage (as root, on Debian 12):
#   hack/local-cluster.sh provision   apt packages, Go builds, base images (cached; also done by up)
#   hack/local-cluster.sh up          start the cluster (a no-op when it already runs); prints the
#                                     kubeconfig path as its last line
#   hack/local-cluster.sh down        stop it and remove every trace of host state, even after a
#                                     crashed run (processes by pid, iptables chains, bridge,
#                                     netns, mounts, the extra address, sysctls, directories)
#   hack/local-cluster.sh status      exit 0 when the cluster runs and its node is Ready
#   hack/local-cluster.sh kubeconfig  print the kubeconfig path
#   hack/local-cluster.sh load-image ARCHIVE   import a docker-archive tarball into its containerd
#   hack/local-cluster.sh ctr ARGS...          ctr against its containerd (namespace k8s.io)
#   hack/local-cluster.sh logs DIR             copy the component logs to DIR
#   hack/local-cluster.sh base-image maven|runtime   the local base image for the Dockerfile's
#                                              MAVEN_IMAGE / RUNTIME_IMAGE argument
#
# Every address stays on this machine: the node address is an extra /32 on lo, pods live on a
# local bridge without masquerading, forwarding between that bridge and any other interface is
# dropped, CoreDNS answers cluster.local only, and the API server reaches the kubelet by its
# InternalIP. The only network access is Debian apt and the Go module proxy (provisioning).
#
# Settings (environment): LOCAL_CLUSTER_DIR (state, default /var/lib/crawler-local-cluster),
# LOCAL_CLUSTER_CACHE (binaries and images, default ~/.cache/crawler-local-cluster),
# KUBE_API_TEST_DIR (where hack/provision-tools.sh puts kube-apiserver).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONF_DIR="${REPO_ROOT}/hack/local-cluster"
TOOLS_DIR="${REPO_ROOT}/hack/tools"

# ---- versions: kube-apiserver's (hack/provision-tools.sh), etcd's (deploy/etcd) ---------------
K8S_VERSION="$(sed -n 's/^K8S_VERSION="\(.*\)"$/\1/p' "${REPO_ROOT}/hack/provision-tools.sh")"
ETCD_IMAGE="$(sed -n 's/^ *image: *\(quay.io\/coreos\/etcd:.*\)$/\1/p' "${REPO_ROOT}/deploy/etcd/etcd.yaml")"
ETCD_VERSION="${ETCD_IMAGE##*:}"
COREDNS_VERSION="v1.11.4"
DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
APT_PACKAGES=(containerd runc containernetworking-plugins buildah debootstrap iptables conntrack
  openssl gcc libc6-dev etcd-server etcd-client shellcheck)

# ---- places -------------------------------------------------------------------------------------
STATE_DIR="${LOCAL_CLUSTER_DIR:-/var/lib/crawler-local-cluster}"
RUN_DIR="/run/crawler-local-cluster"
CACHE_DIR="${LOCAL_CLUSTER_CACHE:-${HOME}/.cache/crawler-local-cluster}"
BIN_CACHE="${CACHE_DIR}/bin"
IMAGE_CACHE="${CACHE_DIR}/images"
API_BIN_DIR="${KUBE_API_TEST_DIR:-${HOME}/.kubeapitest}/k8s/${K8S_VERSION}-linux-amd64"
KUBECONFIG_FILE="${STATE_DIR}/admin.kubeconfig"
CONTEXT="crawler-local"

# ---- addresses (all local) ----------------------------------------------------------------------
NODE_NAME="crawler-local"
NODE_IP="10.87.0.1"
POD_CIDR="10.88.0.0/16"
POD_GATEWAY="10.88.0.1"
SERVICE_CIDR="10.96.0.0/16"
DNS_IP="10.96.0.10"
BRIDGE="crawlerbr0"
API_PORT="16443"
ETCD_CLIENT_PORT="23790"
ETCD_PEER_PORT="23800"
FW_CHAIN="CRAWLER-LOCAL-ISOLATE"

# ---- images -------------------------------------------------------------------------------------
PAUSE_IMAGE="localhost/crawler-local/pause:3.10"
COREDNS_IMAGE="localhost/crawler-local/coredns:${COREDNS_VERSION}"
# Base images for the Dockerfile's MAVEN_IMAGE and RUNTIME_IMAGE (hack/e2e.sh).
BASE_RUNTIME_IMAGE="localhost/crawler-local/debian-jre17:${DEBIAN_SUITE}"
BASE_MAVEN_IMAGE="localhost/crawler-local/debian-maven17:${DEBIAN_SUITE}"

COMPONENTS=(kubelet kube-controller-manager kube-scheduler kube-proxy)
# Started in this order, stopped in reverse.
PROCESSES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
# Sysctls the kubelet, kube-proxy or this script change; saved on the first up, restored by down.
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables vm.overcommit_memory vm.panic_on_oom
  kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
# Paths outside STATE_DIR the runtime, CNI or kubelet may create; down removes those that did not
# exist before the first up.
HOST_PATHS=(/var/log/pods /var/log/containers /var/lib/cni /run/netns /run/containerd /etc/cni /opt/cni)

T0="$(date +%s)"
log() { printf '[local-cluster +%ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { printf '[local-cluster] ERROR: %s\n' "$*" >&2; exit 1; }
# step NAME COMMAND...: runs COMMAND and logs how long it took (the provisioning times).
step() {
  local name="$1" s
  shift
  s="$(date +%s)"
  "$@"
  log "step ${name}: $(($(date +%s) - s))s"
}

need_root() { [ "$(id -u)" -eq 0 ] || die "run as root: it starts a kubelet and changes iptables, links and mounts"; }
go_cmd() { GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 nice -n 10 go "$@"; }
ctr_k8s() { ctr --address "${RUN_DIR}/containerd.sock" --namespace k8s.io "$@"; }
kc() { "${API_BIN_DIR}/kubectl" --kubeconfig "${KUBECONFIG_FILE}" "$@"; }

# ================================================================================================
# provision
# ================================================================================================
install_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "${pkg}" 2>/dev/null | grep -q 'install ok installed' || missing+=("${pkg}")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  log "installing apt packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Rebuilds a binary only when its sources or the Go version changed.
inputs_hash() { (cat "$@"; go version) | sha256sum | cut -c1-16; }

build_components() {
  local dir="${TOOLS_DIR}/kube-components" hash c stale=0 ldflags=(-s -w) pkg s
  hash="$(inputs_hash "${dir}/go.mod" "${dir}/go.sum" "${dir}"/*/main.go)"
  for c in "${COMPONENTS[@]}"; do
    [ -x "${BIN_CACHE}/${c}" ] && [ "$(cat "${BIN_CACHE}/.${c}.inputs" 2>/dev/null)" = "${hash}" ] || stale=1
  done
  [ "${stale}" = 1 ] || return 0
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=(-X "${pkg}.gitVersion=v${K8S_VERSION}" -X "${pkg}.gitMajor=${K8S_VERSION%%.*}"
      -X "${pkg}.gitMinor=$(echo "${K8S_VERSION}" | cut -d. -f2)" -X "${pkg}.gitTreeState=clean")
  done
  mkdir -p "${BIN_CACHE}"
  for c in "${COMPONENTS[@]}"; do
    [ -x "${BIN_CACHE}/${c}" ] && [ "$(cat "${BIN_CACHE}/.${c}.inputs" 2>/dev/null)" = "${hash}" ] && continue
    s="$(date +%s)"
    (cd "${dir}" && go_cmd build -trimpath -ldflags "${ldflags[*]}" -o "${BIN_CACHE}/${c}.tmp" "./${c}")
    log "go build ${c}: $(($(date +%s) - s))s"
    mv -f "${BIN_CACHE}/${c}.tmp" "${BIN_CACHE}/${c}"
    echo "${hash}" >"${BIN_CACHE}/.${c}.inputs"
  done
}

build_etcd() {
  local dir="${TOOLS_DIR}/etcd" hash
  hash="$(inputs_hash "${dir}/go.mod" "${dir}/go.sum" "${dir}/main.go")"
  [ -x "${BIN_CACHE}/etcd" ] && [ "$(cat "${BIN_CACHE}/.etcd.inputs" 2>/dev/null)" = "${hash}" ] && return 0
  grep -q "go.etcd.io/etcd/server/v3 ${ETCD_VERSION}\$" "${dir}/go.mod" \
    || die "${dir}/go.mod does not build etcd ${ETCD_VERSION}, the version deploy/etcd names"
  mkdir -p "${BIN_CACHE}"
  (cd "${dir}" && go_cmd build -trimpath -ldflags "-s -w" -o "${BIN_CACHE}/etcd.tmp" .)
  mv -f "${BIN_CACHE}/etcd.tmp" "${BIN_CACHE}/etcd"
  [ "$("${BIN_CACHE}/etcd" --version | awk '/^etcd Version:/ {print "v" $3}')" = "${ETCD_VERSION}" ] \
    || die "built etcd is not ${ETCD_VERSION}"
  echo "${hash}" >"${BIN_CACHE}/.etcd.inputs"
}

build_coredns() {
  [ -x "${BIN_CACHE}/coredns" ] && [ "$(cat "${BIN_CACHE}/.coredns.inputs" 2>/dev/null)" = "${COREDNS_VERSION}" ] && return 0
  mkdir -p "${BIN_CACHE}"
  GOBIN="${BIN_CACHE}" GOWORK=off GOFLAGS="-buildvcs=false" CGO_ENABLED=0 nice -n 10 \
    go install -trimpath -ldflags "-s -w" "github.com/coredns/coredns@${COREDNS_VERSION}"
  echo "${COREDNS_VERSION}" >"${BIN_CACHE}/.coredns.inputs"
}

# Debian minbase root filesystems: one with a JRE 17 (the Dockerfile's runtime stage), one with a
# JDK 17 and Maven (its build stage). Built with debootstrap + apt in a chroot.
ROOTFS_MOUNTS=()
unmount_rootfs() {
  local m
  for m in "${ROOTFS_MOUNTS[@]}"; do umount -l "${m}" 2>/dev/null || true; done
  ROOTFS_MOUNTS=()
}

make_rootfs() { # make_rootfs NAME PACKAGE...
  local name="$1" dir="${CACHE_DIR}/rootfs/$1" tmp
  shift
  [ -f "${dir}/.complete" ] && return 0
  tmp="${dir}.tmp"
  rm -rf "${tmp}"
  mkdir -p "$(dirname "${dir}")"
  if [ -f "${CACHE_DIR}/rootfs/minbase.tar" ]; then
    mkdir -p "${tmp}"
    tar -C "${tmp}" -xf "${CACHE_DIR}/rootfs/minbase.tar"
  else
    debootstrap --variant=minbase "${DEBIAN_SUITE}" "${tmp}" "${DEBIAN_MIRROR}" >"${CACHE_DIR}/rootfs/debootstrap.log" 2>&1 \
      || { tail -n 20 "${CACHE_DIR}/rootfs/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "${tmp}"/var/cache/apt/archives/*.deb
    # Written aside and renamed: an interrupted run must not leave a truncated tarball to reuse.
    tar -C "${tmp}" -cf "${CACHE_DIR}/rootfs/minbase.tar.tmp" .
    mv -f "${CACHE_DIR}/rootfs/minbase.tar.tmp" "${CACHE_DIR}/rootfs/minbase.tar"
  fi
  cat >"${tmp}/etc/apt/sources.list" <<EOF
deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE} main
deb ${DEBIAN_MIRROR} ${DEBIAN_SUITE}-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security ${DEBIAN_SUITE}-security main
EOF
  cp /etc/resolv.conf "${tmp}/etc/resolv.conf"
  trap unmount_rootfs EXIT
  mount -t proc proc "${tmp}/proc" && ROOTFS_MOUNTS+=("${tmp}/proc")
  chroot "${tmp}" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $* && apt-get clean" \
    >"${CACHE_DIR}/rootfs/${name}.log" 2>&1 \
    || { unmount_rootfs; tail -n 20 "${CACHE_DIR}/rootfs/${name}.log" >&2; die "apt-get install $* in ${name} failed"; }
  unmount_rootfs
  trap - EXIT
  rm -rf "${tmp}"/var/lib/apt/lists/* "${tmp}/etc/resolv.conf"
  : >"${tmp}/etc/resolv.conf"
  rm -rf "${dir}"
  mv "${tmp}" "${dir}"
  touch "${dir}/.complete"
}

# image_from_dir REF DIR [buildah config args...]: a one-layer image of DIR in buildah's storage.
image_from_dir() {
  local ref="$1" src="$2" c
  shift 2
  buildah inspect --type image "${ref}" >/dev/null 2>&1 && return 0
  c="$(buildah from scratch)"
  buildah copy --quiet "${c}" "${src}" / >/dev/null
  [ "$#" -eq 0 ] || buildah config "$@" "${c}"
  buildah commit --quiet --rm "${c}" "${ref}" >/dev/null
}

# cluster_image REF DIR [config...]: image_from_dir + a docker-archive the cluster's containerd imports.
cluster_image() {
  local ref="$1" tar
  tar="${IMAGE_CACHE}/$(echo "${ref}" | tr '/:' '__').tar"
  [ -f "${tar}" ] && buildah inspect --type image "${ref}" >/dev/null 2>&1 && return 0
  image_from_dir "$@"
  mkdir -p "${IMAGE_CACHE}"
  rm -f "${tar}" "${tar}.tmp"
  # Pushed aside and renamed, so a present tarball is always a whole one.
  buildah push --quiet "${ref}" "docker-archive:${tar}.tmp:${ref}" >/dev/null
  mv -f "${tar}.tmp" "${tar}"
}

build_images() {
  local tmp
  tmp="$(mktemp -d)"
  # pause: a static program, the whole image
  mkdir -p "${tmp}/pause"
  gcc -static -O2 -o "${tmp}/pause/pause" "${CONF_DIR}/pause.c"
  cluster_image "${PAUSE_IMAGE}" "${tmp}/pause" --entrypoint '["/pause"]' --cmd '[]'
  # CoreDNS and etcd: the static binaries, as in the upstream images
  mkdir -p "${tmp}/coredns" "${tmp}/etcd/usr/local/bin" "${tmp}/etcd/var/lib/etcd" "${tmp}/etcd/tmp"
  chmod 1777 "${tmp}/etcd/tmp"
  cp "${BIN_CACHE}/coredns" "${tmp}/coredns/coredns"
  cluster_image "${COREDNS_IMAGE}" "${tmp}/coredns" --entrypoint '["/coredns"]' --cmd '[]'
  cp "${BIN_CACHE}/etcd" "${tmp}/etcd/usr/local/bin/etcd"
  cluster_image "${ETCD_IMAGE}" "${tmp}/etcd" --entrypoint '["/usr/local/bin/etcd"]' --cmd '[]' \
    --label "org.opencontainers.image.version=${ETCD_VERSION}" \
    --label "org.opencontainers.image.description=etcd ${ETCD_VERSION} built from go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
  rm -rf "${tmp}"
  # Base images of the Dockerfile (built into buildah's storage only)
  buildah inspect --type image "${BASE_RUNTIME_IMAGE}" >/dev/null 2>&1 || {
    step rootfs-jre17 make_rootfs jre17 openjdk-17-jre-headless ca-certificates
    image_from_dir "${BASE_RUNTIME_IMAGE}" "${CACHE_DIR}/rootfs/jre17" --cmd '["/bin/bash"]' \
      --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  }
  buildah inspect --type image "${BASE_MAVEN_IMAGE}" >/dev/null 2>&1 || {
    step rootfs-maven17 make_rootfs maven17 openjdk-17-jdk-headless maven ca-certificates
    image_from_dir "${BASE_MAVEN_IMAGE}" "${CACHE_DIR}/rootfs/maven17" --cmd '["/bin/bash"]' \
      --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  }
}

provision() {
  need_root
  [ -n "${K8S_VERSION}" ] || die "cannot read K8S_VERSION from hack/provision-tools.sh"
  [ -n "${ETCD_IMAGE}" ] || die "cannot read the etcd image from deploy/etcd/etcd.yaml"
  export PATH="${PATH}:/usr/local/go/bin"
  step apt install_apt_packages
  command -v go >/dev/null 2>&1 || die "Go >= 1.23 is needed on PATH (https://go.dev/dl/)"
  step kube-apiserver "${REPO_ROOT}/hack/provision-tools.sh"
  step go-build-components build_components
  step go-build-etcd build_etcd
  step go-build-coredns build_coredns
  step images build_images
  log "provisioned: binaries in ${BIN_CACHE}, images in ${IMAGE_CACHE} and buildah's storage"
}

# ================================================================================================
# up
# ================================================================================================
pid_alive() { [ -f "${STATE_DIR}/pids/$1.pid" ] && kill -0 "$(cat "${STATE_DIR}/pids/$1.pid")" 2>/dev/null; }

# start NAME COMMAND...: in the background, output to logs/NAME.log, pid to pids/NAME.pid.
start() {
  local name="$1"
  shift
  nohup "$@" >"${STATE_DIR}/logs/${name}.log" 2>&1 </dev/null &
  echo "$!" >"${STATE_DIR}/pids/${name}.pid"
}

# wait_until SECONDS WHAT COMMAND...
wait_until() {
  local deadline=$(($(date +%s) + $1)) what="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "${deadline}" ] || die "timed out waiting for ${what} (logs: ${STATE_DIR}/logs)"
    sleep 0.5
  done
}

render() { # render TEMPLATE > FILE
  sed -e "s|@STATE_DIR@|${STATE_DIR}|g" -e "s|@RUN_DIR@|${RUN_DIR}|g" -e "s|@PAUSE_IMAGE@|${PAUSE_IMAGE}|g" \
    -e "s|@BRIDGE@|${BRIDGE}|g" -e "s|@POD_CIDR@|${POD_CIDR}|g" -e "s|@POD_GATEWAY@|${POD_GATEWAY}|g" \
    -e "s|@NODE_IP@|${NODE_IP}|g" -e "s|@DNS_IP@|${DNS_IP}|g" -e "s|@COREDNS_IMAGE@|${COREDNS_IMAGE}|g" "$1"
}

# Interfaces that lead off this machine: those with a default route, and every other non-loopback
# interface that existed before the cluster (none of ours).
outside_interfaces() {
  { ip -o route show default; ip -o -6 route show default; } 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") print $(i + 1)}'
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -vE "^(lo|${BRIDGE}|veth.*)$" || true
}

make_pki() {
  local p="${STATE_DIR}/pki" n
  mkdir -p "${p}"
  (
    cd "${p}"
    openssl genrsa -out ca.key 2048 2>/dev/null
    openssl req -x509 -new -nodes -key ca.key -subj "/CN=crawler-local-ca" -days 30 -out ca.crt 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    {
      printf 'extendedKeyUsage=serverAuth\nsubjectAltName=IP:%s,IP:127.0.0.1,IP:%s,' "${NODE_IP}" "${SERVICE_CIDR%.0/*}.1"
      printf 'DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n'
    } >apiserver.ext
    cert() { # cert NAME SUBJECT EXTFILE
      openssl genrsa -out "$1.key" 2048 2>/dev/null
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -out "$1.crt" -extfile "$3" 2>/dev/null
    }
    cert apiserver "/CN=kube-apiserver" apiserver.ext
    cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" client.ext
    cert admin "/O=system:masters/CN=crawler-local-admin" client.ext
    cert kubelet "/O=system:nodes/CN=system:node:${NODE_NAME}" client.ext
    cert controller-manager "/CN=system:kube-controller-manager" client.ext
    cert scheduler "/CN=system:kube-scheduler" client.ext
    cert kube-proxy "/CN=system:kube-proxy" client.ext
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  for n in admin kubelet controller-manager scheduler kube-proxy; do
    cat >"${STATE_DIR}/${n}.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
  - name: ${CONTEXT}
    cluster:
      server: https://${NODE_IP}:${API_PORT}
      certificate-authority-data: $(base64 -w0 "${p}/ca.crt")
users:
  - name: ${n}
    user:
      client-certificate-data: $(base64 -w0 "${p}/${n}.crt")
      client-key-data: $(base64 -w0 "${p}/${n}.key")
contexts:
  - name: ${CONTEXT}
    context: {cluster: ${CONTEXT}, user: ${n}}
current-context: ${CONTEXT}
KC
  done
}

# Host state the cluster changes, recorded once so that down can put it back.
record_host_state() {
  [ -f "${STATE_DIR}/host-state" ] && return 0
  local s path
  {
    for s in "${SYSCTLS[@]}"; do
      [ -e "/proc/sys/${s//.//}" ] && echo "sysctl ${s} $(cat "/proc/sys/${s//.//}")"
    done
    for path in "${HOST_PATHS[@]}"; do
      [ -e "${path}" ] || echo "created ${path}"
    done
  } >"${STATE_DIR}/host-state"
}

# Interfaces other than our bridge that route part of the pod range. podman's and buildah's
# default CNI network is also 10.88.0.0/16 (bridge cni-podman0, made by a `buildah run` without
# --network=host); its route would take the pods' traffic, and every probe would time out.
pod_range_taken_by() {
  ip -o -4 route list root "${POD_CIDR}" \
    | awk -v br="${BRIDGE}" '{ for (i = 1; i < NF; i++) if ($i == "dev" && $(i + 1) != br) print $(i + 1) }' \
    | sort -u
}

isolate_network() {
  ip addr show dev lo | grep -q " ${NODE_IP}/32" || ip addr add "${NODE_IP}/32" dev lo
  # Pods may talk to each other, to Services and to this machine, never to another machine:
  # nothing is forwarded between the pod bridge and any other interface, in either direction.
  # In the mangle table, so no filter rule of kube-proxy or the kubelet can accept it first.
  iptables -t mangle -N "${FW_CHAIN}" 2>/dev/null || iptables -t mangle -F "${FW_CHAIN}"
  iptables -t mangle -A "${FW_CHAIN}" -i "${BRIDGE}" ! -o "${BRIDGE}" -j DROP
  iptables -t mangle -A "${FW_CHAIN}" ! -i "${BRIDGE}" -o "${BRIDGE}" -j DROP
  local ifc
  for ifc in $(outside_interfaces | sort -u); do
    iptables -t mangle -A "${FW_CHAIN}" -i "${BRIDGE}" -o "${ifc}" -j DROP
    iptables -t mangle -A "${FW_CHAIN}" -i "${ifc}" -o "${BRIDGE}" -j DROP
  done
  iptables -t mangle -C FORWARD -j "${FW_CHAIN}" 2>/dev/null || iptables -t mangle -I FORWARD 1 -j "${FW_CHAIN}"
  # With br_netfilter on, bridged pod-to-pod packets (a pod to CoreDNS or to a Service's backend)
  # traverse the filter table's FORWARD chain: a host whose policy there is DROP (a Docker install
  # sets it) would drop them, and pods would resolve no name. Accept the bridge's own traffic first;
  # the mangle chain above has already dropped everything that would leave the bridge.
  iptables -t filter -N "${FW_CHAIN}" 2>/dev/null || iptables -t filter -F "${FW_CHAIN}"
  iptables -t filter -A "${FW_CHAIN}" -i "${BRIDGE}" -o "${BRIDGE}" -j ACCEPT
  iptables -t filter -C FORWARD -j "${FW_CHAIN}" 2>/dev/null || iptables -t filter -I FORWARD 1 -j "${FW_CHAIN}"
  # Pods reach Services through this host's routing and NAT (kube-proxy), on the bridge only.
  sysctl -qw net.ipv4.ip_forward=1
  [ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ] || sysctl -qw net.bridge.bridge-nf-call-iptables=1
  log "network isolated: node ${NODE_IP} on lo, pods ${POD_CIDR} on ${BRIDGE}; forwarding to $(outside_interfaces | sort -u | tr '\n' ' ')dropped"
}

start_containerd() {
  mkdir -p "${RUN_DIR}" "${STATE_DIR}/cni/net.d"
  render "${CONF_DIR}/containerd-config.toml" >"${STATE_DIR}/containerd.toml"
  render "${CONF_DIR}/cni.conflist" >"${STATE_DIR}/cni/net.d/10-crawler-local.conflist"
  start containerd containerd --config "${STATE_DIR}/containerd.toml"
  wait_until 30 containerd ctr --address "${RUN_DIR}/containerd.sock" version
  local tar
  for tar in "${IMAGE_CACHE}"/*.tar; do ctr_k8s images import --no-unpack "${tar}" >/dev/null; done
}

load_image() { # load_image DOCKER_ARCHIVE
  [ -S "${RUN_DIR}/containerd.sock" ] || die "the local cluster is not running"
  ctr_k8s images import "$1" >/dev/null
}

start_control_plane() {
  local p="${STATE_DIR}/pki" b="${BIN_CACHE}"
  start etcd "${b}/etcd" --name crawler-local --data-dir "${STATE_DIR}/etcd" \
    --listen-client-urls "http://127.0.0.1:${ETCD_CLIENT_PORT}" --advertise-client-urls "http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster "crawler-local=http://127.0.0.1:${ETCD_PEER_PORT}" --listen-metrics-urls "" \
    --experimental-watch-progress-notify-interval 5s
  start kube-apiserver "${API_BIN_DIR}/kube-apiserver" --etcd-servers "http://127.0.0.1:${ETCD_CLIENT_PORT}" \
    --bind-address "${NODE_IP}" --advertise-address "${NODE_IP}" --secure-port "${API_PORT}" \
    --tls-cert-file "${p}/apiserver.crt" --tls-private-key-file "${p}/apiserver.key" --client-ca-file "${p}/ca.crt" \
    --service-account-key-file "${p}/sa.pub" --service-account-signing-key-file "${p}/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "${SERVICE_CIDR}" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction,PodSecurity \
    --kubelet-client-certificate "${p}/apiserver-kubelet-client.crt" --kubelet-client-key "${p}/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP --allow-privileged=false --profiling=false
  wait_until 120 "kube-apiserver /readyz" kc get --raw /readyz
  # kube-controller-manager exits ("forbidden") when it starts before the RBAC bootstrap policy exists.
  wait_until 60 "the RBAC bootstrap policy" kc get clusterrolebinding system:kube-controller-manager system:kube-scheduler system:node-proxier
  log "kube-apiserver ready"
  start kube-controller-manager "${b}/kube-controller-manager" --kubeconfig "${STATE_DIR}/controller-manager.kubeconfig" \
    --authentication-kubeconfig "${STATE_DIR}/controller-manager.kubeconfig" --authorization-kubeconfig "${STATE_DIR}/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10257 --service-account-private-key-file "${p}/sa.key" --root-ca-file "${p}/ca.crt" \
    --cluster-signing-cert-file "${p}/ca.crt" --cluster-signing-key-file "${p}/ca.key" --use-service-account-credentials=true \
    --service-cluster-ip-range "${SERVICE_CIDR}" --leader-elect=false --cloud-provider "" 
  start kube-scheduler "${b}/kube-scheduler" --kubeconfig "${STATE_DIR}/scheduler.kubeconfig" \
    --authentication-kubeconfig "${STATE_DIR}/scheduler.kubeconfig" --authorization-kubeconfig "${STATE_DIR}/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false
}

start_node() {
  render "${CONF_DIR}/kubelet-config.yaml" >"${STATE_DIR}/kubelet-config.yaml"
  printf '# pods with dnsPolicy Default get no name server: nothing resolves outside the cluster\n' >"${STATE_DIR}/resolv.conf"
  start kubelet "${BIN_CACHE}/kubelet" --config "${STATE_DIR}/kubelet-config.yaml" --kubeconfig "${STATE_DIR}/kubelet.kubeconfig" \
    --hostname-override "${NODE_NAME}" --node-ip "${NODE_IP}" --root-dir "${STATE_DIR}/kubelet" --cert-dir "${STATE_DIR}/kubelet-pki"
  start kube-proxy "${BIN_CACHE}/kube-proxy" --kubeconfig "${STATE_DIR}/kube-proxy.kubeconfig" --proxy-mode iptables \
    --cluster-cidr "${POD_CIDR}" --hostname-override "${NODE_NAME}" --bind-address 127.0.0.1 \
    --healthz-bind-address 127.0.0.1:10256 --metrics-bind-address 127.0.0.1:10249 \
    --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
    --iptables-localhost-nodeports=false
  wait_until 120 "node ${NODE_NAME}" kc get node "${NODE_NAME}"
  kc wait --for condition=Ready "node/${NODE_NAME}" --timeout 120s >/dev/null
  log "node ${NODE_NAME} Ready"
  render "${CONF_DIR}/coredns.yaml" | kc apply -f - >/dev/null
  wait_until 60 "the default ServiceAccount" kc get serviceaccount default
  kc -n kube-system rollout status deployment/coredns --timeout 120s >/dev/null
  log "CoreDNS ready"
}

cluster_running() {
  local n
  for n in "${PROCESSES[@]}" containerd; do pid_alive "${n}" || return 1; done
  kc get --raw /readyz >/dev/null 2>&1 \
    && [ "$(kc get node "${NODE_NAME}" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

up() {
  need_root
  if [ -d "${STATE_DIR}" ] && cluster_running; then
    log "already running"
    echo "${KUBECONFIG_FILE}"
    return 0
  fi
  provision
  if [ -d "${STATE_DIR}" ] || [ -d "${RUN_DIR}" ]; then
    log "leftovers of an earlier run: tearing them down first"
    down
  fi
  T0="$(date +%s)"
  mkdir -p "${STATE_DIR}/pids" "${STATE_DIR}/logs"
  local taken
  taken="$(pod_range_taken_by | tr '\n' ' ')"
  [ -z "${taken}" ] || die "the pod range ${POD_CIDR} is already routed to: ${taken}(a podman or buildah CNI bridge?); remove it (ip link delete <name>) and run again"
  record_host_state
  make_pki
  isolate_network
  step containerd start_containerd
  step control-plane start_control_plane
  step node start_node
  log "cluster up: kubectl --kubeconfig ${KUBECONFIG_FILE} (context ${CONTEXT})"
  echo "${KUBECONFIG_FILE}"
}

# ================================================================================================
# down
# ================================================================================================
# stop_processes SECONDS NAME...: TERM to all of them at once (by their pid files), up to SECONDS,
# then KILL.
stop_processes() {
  local wait_s="$1" pids=() n f pid _
  shift
  for n in "$@"; do
    f="${STATE_DIR}/pids/${n}.pid"
    [ -f "${f}" ] || continue
    pid="$(cat "${f}")"
    rm -f "${f}"
    kill "${pid}" 2>/dev/null && pids+=("${pid}")
  done
  for _ in $(seq $((wait_s * 5))); do
    for n in "${!pids[@]}"; do
      kill -0 "${pids[n]}" 2>/dev/null || unset 'pids[n]'
    done
    [ "${#pids[@]}" -gt 0 ] || return 0
    sleep 0.2
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
}

# Container shims outlive containerd: find them by the socket of this cluster's containerd.
shim_pids() {
  local d
  for d in /proc/[0-9]*; do
    { tr '\0' ' ' <"${d}/cmdline"; } 2>/dev/null | grep -q -- "-address ${RUN_DIR}/containerd.sock" && echo "${d#/proc/}"
  done
  return 0
}

# Removes every KUBE-* chain and every rule jumping to one (kubelet and kube-proxy leave them),
# and this script's own chain.
clean_iptables() {
  local cmd t rule c
  for cmd in iptables ip6tables; do
    command -v "${cmd}" >/dev/null 2>&1 || continue
    for t in filter nat mangle; do
      "${cmd}" -t "${t}" -S 2>/dev/null | awk -v own="${FW_CHAIN}" '$1 == "-A" && $2 !~ /^KUBE-/ && $0 ~ ("-j (KUBE-|" own ")")' \
        | sed 's/^-A //' | while read -r rule; do
        # shellcheck disable=SC2086  # the rule is a word list as iptables -S prints it
        eval "${cmd}" -t "${t}" -D ${rule} 2>/dev/null || true
      done
      for c in $("${cmd}" -t "${t}" -S 2>/dev/null | awk -v own="${FW_CHAIN}" '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 == own) {print $2}'); do
        "${cmd}" -t "${t}" -F "${c}" 2>/dev/null || true
      done
      for c in $("${cmd}" -t "${t}" -S 2>/dev/null | awk -v own="${FW_CHAIN}" '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 == own) {print $2}'); do
        "${cmd}" -t "${t}" -X "${c}" 2>/dev/null || true
      done
    done
  done
}

# cgroups (v1 and v2) the kubelet created for pods, deepest first; a container process still in one
# (its shim gone with a crashed runtime) is killed first.
clean_cgroups() {
  local bases=() base pids
  for base in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods.slice /sys/fs/cgroup/kubepods.slice; do
    [ ! -d "${base}" ] || bases+=("${base}")
  done
  [ "${#bases[@]}" -gt 0 ] || return 0
  pids="$(find "${bases[@]}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)"
  if [ -n "${pids}" ]; then
    # shellcheck disable=SC2086  # one pid a word
    kill -9 ${pids} 2>/dev/null || true
    sleep 0.5
  fi
  find "${bases[@]}" -depth -type d -exec rmdir {} \; 2>/dev/null || true
}

down() {
  need_root
  local n pid m ns kind name value
  # 1. node and control-plane processes, by their pid files
  stop_processes 10 kube-proxy kubelet kube-scheduler kube-controller-manager
  # 2. containers: kill every task through the runtime, then the shims that are left
  if [ -S "${RUN_DIR}/containerd.sock" ] && pid_alive containerd; then
    for n in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "${n}" >/dev/null 2>&1 || true; done
    sleep 1
    for n in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks rm -f "${n}" >/dev/null 2>&1 || true; done
  fi
  # kube-apiserver drains for a minute after TERM; nothing is left to drain for.
  stop_processes 2 kube-apiserver
  stop_processes 10 etcd containerd
  for pid in $(shim_pids); do kill -9 "${pid}" 2>/dev/null || true; done
  clean_cgroups
  # 3. mounts under the cluster's directories and its network namespaces, deepest first
  awk '{print $2}' /proc/mounts | { grep -E "^(${STATE_DIR}|${RUN_DIR}|/run/netns/cni-)" || true; } | sort -r | while read -r m; do
    umount -l "${m}" 2>/dev/null || true
  done
  for ns in /run/netns/cni-*; do
    [ ! -e "${ns}" ] || ip netns delete "${ns##*/}" 2>/dev/null || true
  done
  # 4. network: bridge, firewall chains, the node address
  ! ip link show "${BRIDGE}" >/dev/null 2>&1 || ip link delete "${BRIDGE}"
  [ ! -x "${BIN_CACHE}/kube-proxy" ] || "${BIN_CACHE}/kube-proxy" --cleanup >/dev/null 2>&1 || true
  clean_iptables
  ! ip addr show dev lo | grep -q " ${NODE_IP}/32" || ip addr delete "${NODE_IP}/32" dev lo
  # 5. sysctls and paths as they were before the first up
  if [ -f "${STATE_DIR}/host-state" ]; then
    while read -r kind name value; do
      case "${kind}" in
        sysctl) sysctl -qw "${name}=${value}" 2>/dev/null || true ;;
        created) rm -rf "${name}" ;;
      esac
    done <"${STATE_DIR}/host-state"
  fi
  rm -rf "${STATE_DIR}" "${RUN_DIR}"
  log "down: no process, bridge, netns, mount, address or KUBE-* chain of the local cluster is left"
}

copy_logs() {
  mkdir -p "$1"
  [ ! -d "${STATE_DIR}/logs" ] || cp "${STATE_DIR}"/logs/*.log "$1"/
}

status() {
  if [ -d "${STATE_DIR}" ] && cluster_running; then
    echo "running: kubectl --kubeconfig ${KUBECONFIG_FILE} (node ${NODE_NAME} Ready)"
  else
    echo "not running"
    return 1
  fi
}

main() {
  case "${1:-}" in
    provision) provision ;;
    up) up ;;
    down) down ;;
    status) status ;;
    kubeconfig) echo "${KUBECONFIG_FILE}" ;;
    load-image) [ -n "${2:-}" ] || die "load-image needs a docker-archive file"; load_image "$2" ;;
    base-image)
      case "${2:-}" in
        maven) echo "${BASE_MAVEN_IMAGE}" ;;
        runtime) echo "${BASE_RUNTIME_IMAGE}" ;;
        *) die "base-image maven|runtime" ;;
      esac
      ;;
    ctr) shift; ctr_k8s "$@" ;;
    logs) [ -n "${2:-}" ] || die "logs needs a directory"; copy_logs "$2" ;;
    -h | --help | help) sed -n '2,34p' "${BASH_SOURCE[0]}" ;;
    *) die "usage: $0 provision|up|down|status|kubeconfig|load-image ARCHIVE (see --help)" ;;
  esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
