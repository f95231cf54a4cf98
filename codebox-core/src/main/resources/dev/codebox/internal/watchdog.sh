# codebox's watchdog for one executor (a POSIX shell script; arguments: paths to remove at the end:
# temporary dirs, and the sandbox's cgroup).
# Its standard input is a pipe from the JVM: a line per process session the executor starts, and a
# line "reset" before the JVM sends again the sessions that may still be alive. When the input ends
# (the executor stopped, or its JVM died, even by SIGKILL) it kills every process of those sessions
# and removes the paths it was given. It runs in a session of its own, so a signal sent to the
# JVM's process group does not end it first.
trap '' INT TERM HUP
sessions=""
while IFS= read -r line; do
  case $line in
    reset) sessions="" ;;
    *[!0-9]*|"") ;;
    *) sessions="$sessions,$line" ;;
  esac
done
sessions=${sessions#,}
if [ -n "$sessions" ]; then
  if command -v pkill >/dev/null 2>&1; then
    pkill -KILL -s "$sessions" 2>/dev/null
  else
    for sid in $(echo "$sessions" | tr ',' ' '); do kill -KILL -- "-$sid" 2>/dev/null; done
  fi
fi
# A cgroup directory goes with rmdir (its files cannot be unlinked); anything else with rm -rf.
# A path already gone (an executor that closed removes its own) costs no process.
for path in "$@"; do
  [ -e "$path" ] || [ -L "$path" ] || continue
  rmdir -- "$path" 2>/dev/null || rm -rf -- "$path"
done
exit 0
