# A standby process of the local executor (run as: sh -c SCRIPT codebox-block WORK_DIR [PRELUDE]). It
# reads the argv of a block on standard input (a count line, then one argument per line) and runs
# it, with standard input /dev/null, in the work dir named by $1: entered by name at hand-over, so
# that a work dir that code deleted and the executor created again is the one the block runs in.
# PRELUDE, shell code from the JVM, confines the standby itself while it waits (the sandbox's cgroup
# and resource limits), so that the block inherits them without a process of its own.
#
# The block is a child, not an `exec`: a process the JVM starts has SIGQUIT blocked (the signal mask
# of the JVM's threads), which `exec` keeps, while dash, Debian's sh, clears the mask in the child it
# forks for a command. The standby stays the block's parent and the leader of its session, and
# exits with its status (128 + N for a block killed by signal N, as the JVM reports a process
# killed by a signal).
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
"$@" </dev/null
exit $?
