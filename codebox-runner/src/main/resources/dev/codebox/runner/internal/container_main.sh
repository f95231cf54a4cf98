# The main process of a codebox container, run as
#   sh -c SCRIPT codebox-runner RUNNER_SOURCE SOCKET WORK_DIR [INIT_COMMAND]
# (after shared_check.sh). SOCKET is "-" when the runner serves its stdin and stdout. It runs the
# init command, if any, in the work dir, with its output on stderr (stdout may carry the runner's
# frames) and stdin from /dev/null (stdin starts with the runner's secret), then replaces itself
# with codebox's runner under the first Python 3 it finds (PID 1 is docker's init, which reaps
# orphans and forwards signals).
set -u
if [ $# -ge 4 ]; then
  /bin/sh -c "$4" </dev/null >&2 || { status=$?; echo "codebox: the init command failed with exit code $status" >&2; exit $status; }
fi
for python in python3 python; do
  command -v $python >/dev/null 2>&1 && exec $python -c "$1" "$2" "$3"
done
echo 'codebox: the image has no python3 or python on PATH; the codebox runner needs Python 3 in the image' >&2
exit 127
