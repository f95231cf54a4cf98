#!/usr/bin/env bash
# Measures codebox against the fastest baselines side by side in one run and prints one table:
#   scripts/bench.sh [--json] [--only local|sandbox|docker|kubernetes|jupyter|mcp|cli] [--iterations N] [--warmup N]
#                    [--rounds N] [--batch N] [--python PATH]
# Builds the bench jar first when it is missing or older than a main source file or pom.
# The figures are only comparable within one run: read the ratio column. See docs/performance.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/codebox-bench/target/codebox-bench.jar"

source "$root/scripts/lib/build-if-stale.sh"
build_if_stale bench "$root" "$jar" codebox-bench "building the bench jar..."

# A long-lived JVM, as an application embedding codebox: the default JIT, a fixed heap ceiling so
# that the memory rows mean the same on every machine.
exec java ${CODEBOX_BENCH_JAVA_OPTS:--Xmx1g} -Dcodebox.root="$root" -jar "$jar" "$@"
