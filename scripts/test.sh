#!/usr/bin/env bash
# The whole suite: provisions what is missing on this machine (scripts/setup-env.sh: Jupyter
# packages, bubblewrap, the Docker engine, the test images; scripts/setup-kubernetes.sh: a real
# single-node Kubernetes, built once), then builds every module and runs every test.
# With CI=true, Docker, Jupyter, Kubernetes and MCP tests that cannot run fail instead of skipping.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/setup-env.sh"
"$root/scripts/setup-kubernetes.sh" start

tmp=${TMPDIR:-/tmp}
temp_entries() { find "$tmp" -maxdepth 1 \( -name 'codebox-[0-9]*-*' -o -name 'codebox-kernel-*' \) 2>/dev/null | sort; }
before="$(temp_entries)"

# clean: resources left in target/ by a moved file must not hide a missing one. Two modules at a
# time: after core, the Docker, Kubernetes, Jupyter and MCP modules do not depend on each other, and
# their tests mostly wait for engines, pods and kernels (14 minutes instead of 19 here).
mvn -B -ntp -T 2 clean verify "$@"

# The suite must leave nothing behind: no container, no kernel, no code process, no cgroup.
for engine in "" "tcp://127.0.0.1:${CODEBOX_REMOTE_ENGINE_PORT:-23750}"; do
  leftovers="$(DOCKER_HOST=$engine docker ps -aq --filter label=dev.codebox 2>/dev/null || true)"
  if [ -n "$leftovers" ]; then
    echo "test.sh: the tests left codebox containers behind${engine:+ on $engine}:" >&2
    DOCKER_HOST=$engine docker ps -a --filter label=dev.codebox >&2
    exit 1
  fi
done
pods="$("$root/scripts/setup-kubernetes.sh" codebox-pods)"
if [ -n "$pods" ]; then
  echo "test.sh: the tests left codebox pods behind:" >&2
  echo "$pods" >&2
  exit 1
fi
if pgrep -f 'ipykernel_launcher.*codebox' >/dev/null; then
  echo "test.sh: the tests left Jupyter kernels behind:" >&2
  pgrep -af 'ipykernel_launcher.*codebox' >&2
  exit 1
fi
if pgrep -f 'codebox-watchdog' >/dev/null; then
  sleep 2 # a watchdog finishes its clean-up just after its JVM
  if pgrep -f 'codebox-watchdog' >/dev/null; then
    echo "test.sh: the tests left watchdog processes behind:" >&2
    pgrep -af 'codebox-watchdog' | cut -c1-120 >&2
    exit 1
  fi
fi
cgroups="$(find /sys/fs/cgroup -maxdepth 4 -type d -name 'codebox-[0-9]*-*' 2>/dev/null || true)"
if [ -n "$cgroups" ]; then
  echo "test.sh: the tests left sandbox cgroups behind:" >&2
  echo "$cgroups" >&2
  exit 1
fi
left="$(comm -13 <(echo "$before") <(temp_entries))"
if [ -n "$left" ]; then
  echo "test.sh: the tests left temporary files behind:" >&2
  echo "$left" >&2
  exit 1
fi
echo "test.sh: all tests passed and nothing was left behind"
