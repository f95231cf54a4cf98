# A standby process of the local executor (run as: sh -c SCRIPT codebox-block WORK_DIR). It reads
# the argv of a block on standard input (a count line, then one argument per line) and becomes it,
# with standard input /dev/null, in the work dir named by $1: entered by name at hand-over, so that
# a work dir that code deleted and the executor created again is the one the block runs in.
dir=$1
IFS= read -r n || exit 0
set --
while [ "$n" -gt 0 ]; do
  IFS= read -r a || exit 0
  set -- "$@" "$a"
  n=$((n - 1))
done
cd "$dir" || exit 127
exec "$@" </dev/null
