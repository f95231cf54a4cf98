# A standby process of the local executor (run as: sh -c SCRIPT codebox-block WORK_DIR [PRELUDE]). It
# reads the argv of a block on standard input (a count line, then one argument per line) and becomes
# it, with standard input /dev/null, in the work dir named by $1: entered by name at hand-over, so
# that a work dir that code deleted and the executor created again is the one the block runs in.
# PRELUDE, shell code from the JVM, confines the standby itself while it waits (the sandbox's cgroup
# and resource limits), so that the block inherits them without a process of its own.
dir=$1
if [ -n "${2:-}" ]; then
  eval "$2" || exit 126
fi
IFS= read -r n || exit 0
set --
while [ "$n" -gt 0 ]; do
  IFS= read -r a || exit 0
  set -- "$@" "$a"
  n=$((n - 1))
done
cd "$dir" || exit 127
exec "$@" </dev/null
