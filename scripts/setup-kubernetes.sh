#!/usr/bin/env bash
# A real single-node Kubernetes 1.20 on this machine, for codebox's Kubernetes tests and bench, built
# from Debian's packages and Debian's kubernetes source package (no binary download, no image pull).
#
#   setup-kubernetes.sh [start]   build once (cached), start the cluster idempotently, load the images
#   setup-kubernetes.sh stop      stop what start started and restore the sysctls kubelet changed
#   setup-kubernetes.sh status    exit 0 when every daemon runs, /readyz answers and the node is Ready
#   setup-kubernetes.sh codebox-pods   lists the pods codebox created (namespace/name), for leftover checks
#
# Everything listens on 127.0.0.1: etcd (client $ETCD_PORT, peer $ETCD_PEER_PORT), kube-apiserver
# ($APISERVER_PORT), controller-manager (10257), scheduler (10259), kubelet (20250, healthz 20248), the
# private containerd's CRI streaming server (a random port) and unix sockets under $K8S_DIR. The admin
# kubeconfig is $K8S_DIR/kubeconfig (printed by start; it holds the admin token, mode 600); tests use the
# namespace codebox-test, which start creates. Run as root.
#
# What it changes on the machine besides $K8S_DIR and the build cache: a private containerd (own root,
# state, sockets: the machine's containerd and dockerd are not touched), a CNI bridge (cbk8s0, no
# address, no masquerading, no iptables rules) with one network namespace per pod (mounted under
# containerd's state dir, not in /var/run/netns), /var/log/pods and
# /var/log/containers (kubelet's fixed paths), /var/lib/cni (CNI's result cache) and the sysctls kubelet
# sets (recorded in $K8S_DIR/sysctls.orig before kubelet first starts, restored by stop). start imports
# the pause image and $IMAGES from docker into that containerd (again only when the docker image id
# changed); stop removes all of it again, then
#   keeps: the certificates, tokens and kubeconfigs ($K8S_DIR/pki, kubeconfig), containerd's image store
#          ($K8S_DIR/containerd/root: the next start does not re-import) and the logs ($K8S_DIR/logs);
#   removes: etcd's data (every start after a stop is a fresh, empty cluster: no pod of an earlier run
#          comes back), kubelet's and CNI's state, containerd's state.
# start after a crash or a reboot (stale pid files, daemons gone) starts what is missing; a pid file is
# trusted only while its process still runs the daemon's binary.
# The build replaces the tarball's vendored reflect2 v1.0.1 (breaks under Go >= 1.18: random apiserver
# crashes, "fatal error: fault" in mapiterinit) by Debian's 1.0.2; see build().
set -euo pipefail

K8S_VERSION=1.20.2
DEB_SOURCE=kubernetes_1.20.5+really1.20.2.orig.tar.gz
MIRROR=${CODEBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${CODEBOX_K8S_CACHE:-/var/cache/codebox/kubernetes}
BIN=$CACHE/bin-$K8S_VERSION
K8S_DIR=${CODEBOX_K8S_DIR:-/var/lib/codebox-k8s}
RUN=$K8S_DIR/run
LOGS=$K8S_DIR/logs
APISERVER_PORT=16443
ETCD_PORT=12379
PACKAGES=(golang-go golang-github-modern-go-reflect2-dev etcd-server containerd runc containernetworking-plugins
          conntrack openssl gcc iproute2 curl jq)
# Changes whenever the way of building changes: binaries of another revision are rebuilt.
BUILD_REV=2-reflect2-1.0.2
COMPONENTS=(kube-apiserver kubelet kube-scheduler kube-controller-manager)
IMAGES=(codebox/python:3)
ETCD_PEER_PORT=12380
PKI=$K8S_DIR/pki
KUBECONFIG_FILE=$K8S_DIR/kubeconfig
CONTAINERD_SOCK=$K8S_DIR/containerd.sock
PAUSE_IMAGE=localhost/pause:1
CNI_NETWORK=codebox-k8s
CNI_BRIDGE=cbk8s0
POD_SUBNET=10.244.7.0/24
TEST_NAMESPACE=codebox-test
DAEMONS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet)
# what kubelet's container manager sets (pkg/kubelet/cm/container_manager_linux.go, setupKernelTunables)
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
SYSCTL_RECORD=$K8S_DIR/sysctls.orig
HOST_DIRS=(/var/log/pods /var/log/containers /var/lib/cni /var/run/netns)

log() { printf 'setup-kubernetes: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

install_packages() {
  local p installed missing=()
  installed=$'\n'$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
                    awk '/ install ok installed$/ { print $1 }')$'\n' || true
  for p in "${PACKAGES[@]}"; do
    [[ $installed == *$'\n'$p$'\n'* ]] || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Builds the four server binaries from Debian's source tarball in GOPATH mode (the tarball's
# vendor/ does not satisfy -mod=vendor), after generating the OpenAPI definitions the tarball lacks.
build() {
  local c all=1
  for c in "${COMPONENTS[@]}" pause; do [ -x "$BIN/$c" ] || all=0; done
  [ "$(cat "$BIN/build-rev" 2>/dev/null)" = "$BUILD_REV" ] || all=0
  [ $all = 1 ] && return
  local gopath=$CACHE/gopath tree=$CACHE/gopath/src/k8s.io/kubernetes
  if [ ! -f "$tree/Makefile" ]; then
    log "fetching Debian's kubernetes source ($DEB_SOURCE, 34 MB)"
    mkdir -p "$CACHE" "$(dirname "$tree")"
    [ -f "$CACHE/$DEB_SOURCE" ] || curl -sSfo "$CACHE/$DEB_SOURCE.part" "$MIRROR/pool/main/k/kubernetes/$DEB_SOURCE"
    [ -f "$CACHE/$DEB_SOURCE" ] || mv "$CACHE/$DEB_SOURCE.part" "$CACHE/$DEB_SOURCE"
    rm -rf "$tree.part" && mkdir -p "$tree.part"
    tar -xzf "$CACHE/$DEB_SOURCE" -C "$tree.part" --strip-components=1
    mv "$tree.part" "$tree"
  fi
  # Kubernetes 1.20 vendors reflect2 v1.0.1, whose unsafe map iteration does not fit Go >= 1.18's
  # runtime: the apiserver then dies at random with "fatal error: fault" in mapiterinit under
  # json-iterator. Debian's reflect2 (1.0.2) is the fixed one, a drop-in replacement.
  local r2=/usr/share/gocode/src/github.com/modern-go/reflect2 vr2=$tree/vendor/github.com/modern-go/reflect2
  [ -f "$r2/go_above_118.go" ] || die "$r2 lacks go_above_118.go: need golang-github-modern-go-reflect2-dev >= 1.0.2"
  if ! cmp -s "$r2/go_above_118.go" "$vr2/go_above_118.go"; then
    log "replacing the vendored reflect2 v1.0.1 by Debian's $(dpkg-query -W -f='${Version}' golang-github-modern-go-reflect2-dev)"
    rm -rf "$vr2" && mkdir -p "$vr2" && cp "$r2"/*.go "$vr2"/
  fi
  log "building Kubernetes $K8S_VERSION (about 15 minutes on 2 cores, once; cached in $BIN)"
  [ "$(cat "$BIN.part/build-rev" 2>/dev/null)" = "$BUILD_REV" ] || rm -rf "$BIN.part"
  mkdir -p "$BIN.part"
  echo "$BUILD_REV" >"$BIN.part/build-rev"
  local v=k8s.io/kubernetes/vendor/k8s.io
  local ldf="-s -w"
  for p in $v/component-base/version $v/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=20 -X $p.gitTreeState=clean"
  done
  local genfile=$tree/pkg/generated/openapi/zz_generated.openapi.go
  if [ ! -f "$genfile" ]; then
    log "generating the OpenAPI definitions kube-apiserver needs"
    (cd "$tree" && GOPATH=$gopath GO111MODULE=off CGO_ENABLED=0 go build -o "$BIN.part/openapi-gen" "$v/kube-openapi/cmd/openapi-gen")
    local dirs
    dirs=$(cd "$tree" && { grep -rl --include='*.go' '+k8s:openapi-gen=' pkg; grep -Rl --include='*.go' '+k8s:openapi-gen=' vendor; } \
           | grep -v -e '^vendor/k8s.io/code-generator/' -e '^vendor/k8s.io/sample-apiserver/' -e '_test.go$' -e '/testdata/' \
           | xargs -n1 dirname | sort -u | sed 's|^|k8s.io/kubernetes/|' | paste -sd, -)
    (cd "$tree" && GOPATH=$gopath GO111MODULE=off "$BIN.part/openapi-gen" -i "$dirs" \
        -p k8s.io/kubernetes/pkg/generated/openapi -O zz_generated.openapi \
        -h vendor/k8s.io/code-generator/hack/boilerplate.go.txt -r "$CACHE/openapi-violations.report" \
        >"$CACHE/openapi-gen.log" 2>&1) || die "openapi-gen failed; see $CACHE/openapi-gen.log"
  fi
  for c in "${COMPONENTS[@]}"; do
    [ -x "$BIN.part/$c" ] && continue
    log "building $c"
    (cd "$tree" && GOPATH=$gopath GO111MODULE=off CGO_ENABLED=0 \
        go build -tags providerless -ldflags "$ldf" -o "$BIN.part/$c.tmp" "k8s.io/kubernetes/cmd/$c")
    mv "$BIN.part/$c.tmp" "$BIN.part/$c"
  done
  gcc -static -Os -o "$BIN.part/pause" "$tree/build/pause/linux/pause.c"
  rm -f "$BIN.part/openapi-gen"
  rm -rf "$BIN" && mv "$BIN.part" "$BIN"
  log "built into $BIN"
}

# ---------------------------------------------------------------------------------------------------
# Running the cluster

ctr_() { ctr -a "$CONTAINERD_SOCK" -n k8s.io "$@"; }

# api PATH [CURL ARGS...]: a request to the apiserver as the admin. The token is read by curl from a
# mode-600 header file, so it never appears on a command line.
api() {
  local path=$1; shift
  curl -sS --fail --max-time 10 --cacert "$PKI/ca.crt" -H "@$PKI/admin.header" "$@" \
    "https://127.0.0.1:$APISERVER_PORT$path"
}

daemon_exe() {
  case $1 in
    etcd|containerd) readlink -f "$(command -v "$1")" ;;
    *) echo "$BIN/$1" ;;
  esac
}

# Prints the recorded pid of daemon $1 when that process still runs the daemon's binary.
running_pid() {
  local f=$RUN/$1.pid pid exe
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  exe=${exe% (deleted)}
  # a daemon still running an older build's binary (bin-VERSION, replaced in place) counts as running
  [ "$exe" = "$(daemon_exe "$1")" ] || [[ $exe == "$CACHE"/bin-*/"$1" ]] || return 1
  # After a reboot the recorded pid may be another process of the same binary, or one of its threads
  # (/proc/TID answers too): docker's own containerd, say. Ours is a process and names $K8S_DIR.
  grep -qx "Tgid:[[:space:]]*$pid" "/proc/$pid/status" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$K8S_DIR" || return 1
  echo "$pid"
}

# start_daemon NAME ARGS...: starts NAME in its own session unless it already runs (per its pid file).
start_daemon() {
  local name=$1; shift
  running_pid "$name" >/dev/null && return
  [ -f "$LOGS/$name.log" ] && mv -f "$LOGS/$name.log" "$LOGS/$name.log.1"
  log "starting $name"
  setsid nohup "$(daemon_exe "$name")" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_daemon() {
  local name=$1 pid i
  if pid=$(running_pid "$name"); then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do running_pid "$name" >/dev/null || break; sleep 0.1; done
    running_pid "$name" >/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid"
}

# wait_for SECONDS DAEMON WHAT CMD...: polls CMD until it succeeds; dies pointing at DAEMON's log.
wait_for() {
  local secs=$1 name=$2 what=$3; shift 3
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    running_pid "$name" >/dev/null || die "$name exited while waiting for $what; see $LOGS/$name.log"
    [ $SECONDS -lt $end ] || die "no $what after ${secs}s; see $LOGS/$name.log (all logs: $LOGS)"
    sleep 0.5
  done
}

apiserver_ready() { [ "$(api /readyz 2>/dev/null)" = ok ]; }
# node_ready [SINCE]: node localhost is Ready, by a heartbeat at or after SINCE (epoch seconds)
node_ready() {
  api /api/v1/nodes/localhost 2>/dev/null | jq -e --argjson t "${1:-0}" '.status.conditions[]
    | select(.type == "Ready" and .status == "True" and (.lastHeartbeatTime | fromdateiso8601) >= $t)' >/dev/null
}
cluster_up() { [ -f "$PKI/admin.header" ] && apiserver_ready && node_ready; }
all_running() { local d; for d in "${DAEMONS[@]}"; do running_pid "$d" >/dev/null || return 1; done; }

new_token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
token_of() { awk -F, -v u="$1" '$2 == u { print $1 }' "$PKI/tokens.csv"; }

# write_kubeconfig FILE USER TOKEN (printf is a shell builtin: the token is no process argument)
write_kubeconfig() {
  local ca; ca=$(base64 -w0 <"$PKI/ca.crt")
  (umask 077; printf '%s\n' 'apiVersion: v1' 'kind: Config' 'clusters:' '- name: codebox-k8s' '  cluster:' \
     "    server: https://127.0.0.1:$APISERVER_PORT" "    certificate-authority-data: $ca" \
     'users:' "- name: $2" '  user:' "    token: $3" \
     'contexts:' '- name: codebox-k8s' "  context: {cluster: codebox-k8s, user: $2}" \
     'current-context: codebox-k8s' >"$1.tmp")
  mv -f "$1.tmp" "$1"
}

# CA, apiserver certificate, service-account key pair, static tokens and kubeconfigs (each made once).
make_pki() {
  mkdir -p "$PKI" && chmod 700 "$PKI"
  (
    umask 077 && cd "$PKI"
    if [ ! -f ca.crt ]; then
      log "creating the cluster's CA, certificates and tokens in $PKI"
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
        -subj /CN=codebox-k8s-ca 2>/dev/null
      rm -f apiserver.crt kubeconfig-stamp
    fi
    if [ ! -f apiserver.crt ]; then
      openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj /CN=kube-apiserver 2>/dev/null
      printf '%s\n' 'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,IP:127.0.0.1,IP:10.96.0.1' \
        'extendedKeyUsage=serverAuth' 'keyUsage=critical,digitalSignature,keyEncipherment' >apiserver.ext
      openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile apiserver.ext -out apiserver.crt 2>/dev/null
      rm -f apiserver.csr
    fi
    if [ ! -f sa.key ]; then
      openssl genrsa -out sa.key 2048 2>/dev/null
      openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    fi
    if [ ! -f tokens.csv ]; then
      local admin kubelet
      admin=$(new_token) kubelet=$(new_token)
      printf '%s,admin,codebox-admin,"system:masters"\n%s,system:node:localhost,codebox-kubelet,"system:nodes"\n' \
        "$admin" "$kubelet" >tokens.csv.tmp
      mv tokens.csv.tmp tokens.csv
      rm -f kubeconfig-stamp
    fi
  ) || die "creating the certificates in $PKI failed"
  if [ ! -f "$PKI/kubeconfig-stamp" ] || [ ! -f "$KUBECONFIG_FILE" ] || [ ! -f "$K8S_DIR/kubelet.kubeconfig" ]; then
    local admin; admin=$(token_of admin)
    (umask 077; printf 'Authorization: Bearer %s\n' "$admin" >"$PKI/admin.header")
    write_kubeconfig "$KUBECONFIG_FILE" admin "$admin"
    write_kubeconfig "$K8S_DIR/kubelet.kubeconfig" system:node:localhost "$(token_of system:node:localhost)"
    touch "$PKI/kubeconfig-stamp"
  fi
}

# containerd (private: own root, state, sockets), CNI and kubelet configuration, rewritten on each start.
write_configs() {
  mkdir -p "$K8S_DIR/cni" "$K8S_DIR/containerd" "$K8S_DIR/kubelet" "$K8S_DIR/kubelet-pki"
  cat >"$K8S_DIR/containerd.toml" <<TOML
version = 2
root = "$K8S_DIR/containerd/root"
state = "$K8S_DIR/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = "$K8S_DIR/containerd-debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$K8S_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # pods' network namespaces under the state dir, not in /var/run/netns
  netns_mounts_under_state_dir = true
  # without it every pod fails ("can't get final child's PID from pipe"): no CAP_SYS_RESOURCE here
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K8S_DIR/cni"
    max_conf_num = 1
TOML
  cat >"$K8S_DIR/cni/10-$CNI_NETWORK.conflist" <<JSON
{"cniVersion":"0.4.0","name":"$CNI_NETWORK","plugins":[
 {"type":"bridge","bridge":"$CNI_BRIDGE","isGateway":false,"ipMasq":false,"hairpinMode":false,
  "ipam":{"type":"host-local","ranges":[[{"subnet":"$POD_SUBNET"}]],"dataDir":"$K8S_DIR/cni-ipam"}},
 {"type":"loopback"}]}
JSON
  cat >"$K8S_DIR/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 20250
readOnlyPort: 0
healthzPort: 20248
healthzBindAddress: 127.0.0.1
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
makeIPTablesUtilChains: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {"memory.available": "100Mi"}
resolvConf: /etc/resolv.conf
serializeImagePulls: false
volumePluginDir: $K8S_DIR/kubelet-plugins
YAML
}

# Host directories kubelet/containerd/CNI create outside $K8S_DIR: remembered when they did not exist
# before the first start, so that stop removes them again.
note_host_dirs() {
  local d
  for d in "${HOST_DIRS[@]}"; do
    [ -e "$d" ] || touch "$K8S_DIR/created-$(printf %s "$d" | tr / _)"
  done
}

record_sysctls() {
  [ -s "$SYSCTL_RECORD" ] && return
  local k
  for k in "${SYSCTLS[@]}"; do printf '%s=%s\n' "$k" "$(sysctl -n "$k")"; done >"$SYSCTL_RECORD.tmp"
  mv -f "$SYSCTL_RECORD.tmp" "$SYSCTL_RECORD"
}

restore_sysctls() {
  [ -f "$SYSCTL_RECORD" ] || return 0
  local k v
  while IFS='=' read -r k v; do
    [ "$(sysctl -n "$k")" = "$v" ] || sysctl -q -w "$k=$v" >/dev/null || log "could not restore $k=$v"
  done <"$SYSCTL_RECORD"
  rm -f "$SYSCTL_RECORD"
}

# The name containerd gives to a docker image reference (docker save records the short name).
ctr_ref() {
  local first=${1%%/*}
  if [[ $1 != */* ]]; then echo "docker.io/library/$1"
  elif [[ $first == *.* || $first == *:* || $first == localhost ]]; then echo "$1"
  else echo "docker.io/$1"; fi
}

# The pause image: the static pause binary as the only file of an image, via docker import/save.
load_pause() {  # LISTED: what ctr images ls -q printed (not piped into grep -q: SIGPIPE + pipefail)
  grep -qxF "$PAUSE_IMAGE" <<<"$1" && return
  log "importing the pause image $PAUSE_IMAGE"
  local tmp; tmp=$(mktemp -d)
  cp "$BIN/pause" "$tmp/pause"
  tar -C "$tmp" -cf - pause | docker import -c 'ENTRYPOINT ["/pause"]' - "$PAUSE_IMAGE" >/dev/null
  docker save "$PAUSE_IMAGE" | ctr_ images import - >/dev/null || die "importing the pause image failed"
  docker rmi "$PAUSE_IMAGE" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}

# docker save IMAGE | ctr import, skipped when the docker image id recorded at the last import is the
# current one and containerd still lists the image.
load_images() {
  local img id stamp listed
  listed=$(ctr_ images ls -q)
  load_pause "$listed"
  mkdir -p "$K8S_DIR/images"
  for img in "${IMAGES[@]}"; do
    id=$(docker image inspect -f '{{.Id}}' "$img" 2>/dev/null) || die "docker image $img not found: build it first"
    stamp=$K8S_DIR/images/$(printf %s "$img" | tr '/:' '__').id
    if [ "$(cat "$stamp" 2>/dev/null)" = "$id" ] && grep -qxF "$(ctr_ref "$img")" <<<"$listed"; then continue; fi
    log "loading image $img ($id) into the cluster's containerd"
    docker save "$img" | ctr_ images import - >/dev/null || die "importing $img into containerd failed"
    printf '%s\n' "$id" >"$stamp"
  done
}

ensure_namespace() {
  api "/api/v1/namespaces/$1" >/dev/null 2>&1 ||
    api /api/v1/namespaces -X POST -H 'Content-Type: application/json' \
      -d "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$1\"}}" >/dev/null 2>&1 ||
    api "/api/v1/namespaces/$1" >/dev/null || die "cannot create namespace $1"
  wait_for 60 kube-controller-manager "default service account in namespace $1" \
    api "/api/v1/namespaces/$1/serviceaccounts/default"
}

ready() {
  echo "setup-kubernetes: ready: KUBECONFIG=$KUBECONFIG_FILE"
}

start() {
  install_packages
  build
  mkdir -p "$RUN" "$LOGS"
  if all_running && cluster_up; then
    load_images
    ensure_namespace "$TEST_NAMESPACE"
    ready
    return
  fi
  make_pki
  write_configs

  start_daemon etcd --name=codebox --data-dir="$K8S_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="codebox=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new
  wait_for 60 etcd "answer from etcd" curl -sf --max-time 5 "http://127.0.0.1:$ETCD_PORT/health"

  start_daemon kube-apiserver --bind-address=127.0.0.1 --advertise-address=127.0.0.1 \
    --secure-port="$APISERVER_PORT" --insecure-port=0 --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --client-ca-file="$PKI/ca.crt" \
    --token-auth-file="$PKI/tokens.csv" --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-cluster-ip-range=10.96.0.0/24 --endpoint-reconciler-type=none \
    --kubelet-preferred-address-types=Hostname \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" --profiling=false
  wait_for 90 kube-apiserver "ready apiserver (/readyz)" apiserver_ready

  start_daemon kube-controller-manager --kubeconfig="$KUBECONFIG_FILE" --leader-elect=false \
    --bind-address=127.0.0.1 --port=0 --secure-port=10257 --profiling=false \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=true
  start_daemon kube-scheduler --kubeconfig="$KUBECONFIG_FILE" --leader-elect=false \
    --bind-address=127.0.0.1 --port=0 --secure-port=10259 --profiling=false

  note_host_dirs
  start_daemon containerd --config "$K8S_DIR/containerd.toml"
  wait_for 30 containerd "answer from containerd" ctr_ version
  load_images

  record_sysctls
  local since=0   # a restarted kubelet's node must be Ready anew, not by its predecessor's last report
  running_pid kubelet >/dev/null || since=$(date +%s)
  start_daemon kubelet --config="$K8S_DIR/kubelet.yaml" --kubeconfig="$K8S_DIR/kubelet.kubeconfig" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCK" \
    --hostname-override=localhost --root-dir="$K8S_DIR/kubelet" --cert-dir="$K8S_DIR/kubelet-pki"
  wait_for 60 kubelet "healthy kubelet" curl -sf --max-time 5 http://127.0.0.1:20248/healthz
  wait_for 120 kubelet "Ready node localhost" node_ready "$since"
  wait_for 60 kube-controller-manager "default service account in namespace default" \
    api /api/v1/namespaces/default/serviceaccounts/default
  ensure_namespace "$TEST_NAMESPACE"
  ready
}

# ---------------------------------------------------------------------------------------------------
# Stopping

# The network namespaces of the cluster's pods that are in /var/run/netns (containerd keeps them under
# its state dir, netns_mounts_under_state_dir, which stop unmounts; this is for namespaces made by an
# older config): from the sandboxes' specs (while containerd runs) and from the bridge's veths.
pod_netns() {
  {
    if running_pid containerd >/dev/null; then
      local id
      for id in $(ctr_ containers ls -q 2>/dev/null); do
        ctr_ containers info "$id" 2>/dev/null | grep -o '/var/run/netns/cni-[0-9a-f-]*' || true
      done | xargs -r -n1 basename
    fi
    local nsid
    for nsid in $(ip -o link show master "$CNI_BRIDGE" 2>/dev/null | grep -o 'link-netnsid [0-9]*' | awk '{print $2}'); do
      ip netns list | awk -v id="$nsid" '$2 == "(id:" && $3 == id")" { print $1 }'
    done
  } | sort -u
}

descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done
}

# containerd-shim processes serving the cluster's containerd (their argv names its socket), with
# whatever still runs below them.
kill_shims() {
  local p pids=()
  for p in /proc/[0-9]*; do
    case $(readlink "$p/exe" 2>/dev/null) in */containerd-shim*) ;; *) continue ;; esac
    tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "-address $CONTAINERD_SOCK " && pids+=("${p#/proc/}")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  log "killing ${#pids[@]} leftover containerd shim(s)"
  for p in "${pids[@]}"; do
    kill -KILL $(descendants "$p") "$p" 2>/dev/null || true
  done
}

unmount_under() {
  local dir=$1 round m
  for round in 1 2 3; do
    m=$(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print length($5), $5 }' /proc/self/mountinfo |
        sort -rn | cut -d' ' -f2-)
    [ -n "$m" ] || return 0
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done <<<"$m"
  done
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print "setup-kubernetes: still mounted: " $5 }' \
    /proc/self/mountinfo >&2
}

stop() {
  [ -d "$K8S_DIR" ] || { log "nothing to stop"; return; }
  mkdir -p "$RUN"
  local netns id ns d
  stop_daemon kubelet
  netns=$(pod_netns)   # after kubelet: no sandbox is started any more
  if running_pid containerd >/dev/null; then
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks rm -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr_ containers ls -q 2>/dev/null); do ctr_ containers rm "$id" >/dev/null 2>&1 || true; done
  fi
  kill_shims
  unmount_under "$K8S_DIR/kubelet"
  stop_daemon containerd
  kill_shims
  unmount_under "$K8S_DIR/containerd"
  # again from the bridge's veths: a sandbox that containerd was still setting up at kubelet's stop
  netns="$netns $(pod_netns)"
  for ns in $netns; do ip netns del "$ns" 2>/dev/null || true; done
  ip link del "$CNI_BRIDGE" 2>/dev/null || true
  stop_daemon kube-scheduler
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
  stop_daemon etcd
  rm -rf "$K8S_DIR/kubelet" "$K8S_DIR/kubelet-plugins" "$K8S_DIR/cni-ipam" "$K8S_DIR/containerd/state" \
    "$K8S_DIR/containerd/root/io.containerd.grpc.v1.cri/sandboxes" \
    "$K8S_DIR/containerd/root/io.containerd.grpc.v1.cri/containers" "$K8S_DIR/etcd" ||
    log "could not remove all of the cluster's state (see above)"
  rm -f /var/lib/cni/results/"$CNI_NETWORK"-* "$CONTAINERD_SOCK" "$CONTAINERD_SOCK.ttrpc" "$K8S_DIR/containerd-debug.sock"
  for d in "${HOST_DIRS[@]}"; do
    local marker=$K8S_DIR/created-$(printf %s "$d" | tr / _)
    [ -f "$marker" ] || continue
    case $d in
      */netns) rmdir "$d" 2>/dev/null || continue ;;   # still in use: keep the marker
      *) rm -rf "$d" ;;
    esac
    rm -f "$marker"
  done
  restore_sysctls
  log "stopped"
}

status() {
  if all_running && cluster_up; then
    echo "setup-kubernetes: running: KUBECONFIG=$KUBECONFIG_FILE"
  else
    echo "setup-kubernetes: not running"
    return 1
  fi
}

# namespace/name of every pod codebox created (label codebox.dev/managed=true), for test.sh's leftover check.
codebox_pods() {
  api "/api/v1/pods?labelSelector=codebox.dev%2Fmanaged%3Dtrue" | jq -r '.items[] | .metadata.namespace + "/" + .metadata.name'
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  build) install_packages; build ;;
  codebox-pods) codebox_pods ;;
  *) die "usage: $0 [start|stop|status|build|codebox-pods]" ;;
esac
