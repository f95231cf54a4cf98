#!/usr/bin/env bash
# Provisions, idempotently, what codebox's full test suite needs on a Debian bookworm machine
# (run as root): Debian's Jupyter packages, bubblewrap for the local sandbox, the Docker engine (docker.io + a running dockerd) and
# the two test images codebox/python:3 and codebox/jupyter:3, built from Debian's packages because
# no container registry is reachable. Each step is skipped when its result is already there.
set -euo pipefail

MIRROR=${CODEBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${CODEBOX_IMAGE_CACHE:-/var/cache/codebox}
PYTHON_IMAGE=codebox/python:3
JUPYTER_IMAGE=codebox/jupyter:3
HOST_PACKAGES=(docker.io debootstrap procps python3-ipykernel python3-jupyter-client jupyter-server
               python3-matplotlib python3-numpy python3-venv python3-pip bubblewrap util-linux)

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

install_host_packages
start_dockerd
build_python_image
build_jupyter_image
log "ready: Jupyter packages, dockerd, images $PYTHON_IMAGE and $JUPYTER_IMAGE"
