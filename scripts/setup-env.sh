#!/usr/bin/env bash
# Provisions, idempotently, what codebox's full test suite needs on a Debian bookworm machine
# (run as root): Debian's Jupyter packages, bubblewrap for the local sandbox, the Docker engine (docker.io + a running dockerd) and
# the two test images codebox/python:3 and codebox/jupyter:3, built from Debian's packages because
# no container registry is reachable, a remote-like second engine (see start_remote_engine), and
# the Node packages of the MCP client and conformance tests (codebox-cli) (see install_mcp_node_modules).
# Each step is skipped when its result is already there.
set -euo pipefail

MIRROR=${CODEBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${CODEBOX_IMAGE_CACHE:-/var/cache/codebox}
PYTHON_IMAGE=codebox/python:3
JUPYTER_IMAGE=codebox/jupyter:3
HOST_PACKAGES=(docker.io debootstrap procps python3-ipykernel python3-jupyter-client jupyter-server
               python3-matplotlib python3-numpy python3-venv python3-pip bubblewrap util-linux socat iproute2)

log() { printf 'setup-env: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_host_packages() {
  local missing=()
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# the Node tests of codebox mcp (the TypeScript SDK client, the MCP conformance suite and the Node 22
# binary it needs) install from their package-lock.json with the machine's npm, again only when the
# lock file is newer than what npm last installed.
MCP_NODE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/codebox-cli/src/test/node"

install_mcp_node_modules() {
  local lock="$MCP_NODE_DIR/package-lock.json" installed="$MCP_NODE_DIR/node_modules/.package-lock.json"
  [ -f "$lock" ] || return 0
  if [ -f "$installed" ] && [ ! "$lock" -nt "$installed" ]; then return; fi
  command -v npm >/dev/null 2>&1 || { log "npm not found: cannot install $MCP_NODE_DIR/node_modules"; exit 1; }
  log "installing the Node test packages of codebox mcp (npm ci in $MCP_NODE_DIR)"
  (cd "$MCP_NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return; fi
  log "starting dockerd (log: /var/log/codebox-dockerd.log)"
  as_root sh -c 'nohup dockerd >/var/log/codebox-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 0.5
  done
  log "dockerd did not come up; see /var/log/codebox-dockerd.log"
  exit 1
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# debootstrap a minimal bookworm into $1 with the packages named in $2 (comma separated).
bootstrap_rootfs() {
  local dir=$1 include=$2
  as_root rm -rf "$dir"
  as_root mkdir -p "$dir"
  log "debootstrap into $dir (about a minute)"
  as_root debootstrap --variant=minbase --include="$include" bookworm "$dir" "$MIRROR" >/dev/null
}

import_rootfs() {
  local dir=$1 tag=$2
  as_root rm -rf "$dir/var/cache/apt/archives"/*.deb "$dir/var/lib/apt/lists"/* 2>/dev/null || true
  as_root tar -C "$dir" -c . | docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      --change 'ENV LANG=C.UTF-8' \
      --change 'WORKDIR /workspace' \
      --change 'CMD ["/bin/sh"]' - "$tag" >/dev/null
  log "built image $tag"
}

build_python_image() {
  image_exists "$PYTHON_IMAGE" && return
  local dir="$CACHE/rootfs-python"
  bootstrap_rootfs "$dir" python3,python-is-python3,procps
  import_rootfs "$dir" "$PYTHON_IMAGE"
  as_root rm -rf "$dir"
}

build_jupyter_image() {
  image_exists "$JUPYTER_IMAGE" && return
  local dir="$CACHE/rootfs-jupyter"
  bootstrap_rootfs "$dir" python3,python-is-python3,procps
  # debootstrap cannot resolve these packages' virtual dependencies; apt inside the chroot can.
  as_root cp /etc/resolv.conf "$dir/etc/resolv.conf"
  as_root mount -t proc proc "$dir/proc"
  trap 'as_root umount "$dir/proc" 2>/dev/null || true' RETURN
  as_root chroot "$dir" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-ipykernel jupyter-server python3-matplotlib python3-numpy >/dev/null'
  as_root umount "$dir/proc"
  import_rootfs "$dir" "$JUPYTER_IMAGE"
  as_root rm -rf "$dir"
}

# A second engine that shares no files and no network with this machine, as a remote engine or
# Docker Desktop's VM would: its own mount namespace (a private /tmp, so a bind mount of a host
# /tmp path arrives empty) and its own network namespace (nothing it publishes is reachable from
# here); only its API is, on a Unix socket and through socat on 127.0.0.1:$REMOTE_PORT. Never a
# second dockerd in this network namespace with --bridge=none: that deletes the first one's docker0.
REMOTE_SOCKET=/run/docker-remote.sock
REMOTE_PORT=${CODEBOX_REMOTE_ENGINE_PORT:-23750}
REMOTE_HOST=tcp://127.0.0.1:$REMOTE_PORT

# Waits up to $2 half-seconds for the engine at $1 to answer.
await_engine() {
  for _ in $(seq 1 "$2"); do
    DOCKER_HOST="$1" docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

start_remote_engine() {
  if ! await_engine "unix://$REMOTE_SOCKET" 1; then
    log "starting the remote-like dockerd (log: /var/log/codebox-dockerd-remote.log)"
    as_root setsid sh -c "nohup unshare --mount --net --propagation private sh -c 'ip link set lo up; mount -t tmpfs tmpfs /tmp; exec dockerd --data-root /var/lib/docker-remote --exec-root /run/docker-remote --pidfile /run/docker-remote.pid -H unix://$REMOTE_SOCKET' >/var/log/codebox-dockerd-remote.log 2>&1 &"
    await_engine "unix://$REMOTE_SOCKET" 60 \
      || { log "the remote-like dockerd did not come up; see /var/log/codebox-dockerd-remote.log"; exit 1; }
  fi
  # nodelay: a real engine's TCP API (Go) sends without Nagle's delay; a front that waits adds ~30 ms per block.
  if pgrep -f "socat TCP-LISTEN:$REMOTE_PORT," >/dev/null && ! pgrep -f "socat TCP-LISTEN:$REMOTE_PORT,.*nodelay" >/dev/null; then
    log "restarting the remote-like engine's TCP front with nodelay"
    as_root pkill -f "socat TCP-LISTEN:$REMOTE_PORT," || true
    sleep 0.2
  fi
  if ! await_engine "$REMOTE_HOST" 1; then
    log "serving the remote-like engine's API on $REMOTE_HOST (socat)"
    as_root setsid sh -c "nohup socat TCP-LISTEN:$REMOTE_PORT,bind=127.0.0.1,reuseaddr,fork,nodelay UNIX-CONNECT:$REMOTE_SOCKET >/dev/null 2>&1 &"
    await_engine "$REMOTE_HOST" 20 || { log "socat does not serve $REMOTE_HOST"; exit 1; }
  fi
  for image in "$PYTHON_IMAGE" "$JUPYTER_IMAGE"; do
    if ! DOCKER_HOST="$REMOTE_HOST" docker image inspect "$image" >/dev/null 2>&1; then
      log "loading $image into the remote-like engine"
      docker save "$image" | DOCKER_HOST="$REMOTE_HOST" docker load >/dev/null
    fi
  done
}

install_host_packages
install_mcp_node_modules
start_dockerd
build_python_image
build_jupyter_image
start_remote_engine
log "ready: Jupyter packages, bubblewrap, dockerd, images $PYTHON_IMAGE and $JUPYTER_IMAGE, the remote-like engine at $REMOTE_HOST"
