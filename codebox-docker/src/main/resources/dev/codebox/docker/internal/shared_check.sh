# Run first in every codebox container, as: sh -c SCRIPT codebox-check DIR COMMAND...
# The JVM wrote a file named $CODEBOX_SHARED_MARKER into the directory it bind-mounts at DIR. When
# it is not there, the engine does not share that directory with the JVM (a remote engine, a VM
# without that file sharing): exit 3 at once, so that start fails within a second with the reason
# instead of waiting for a socket that will never appear. Else run COMMAND without the variable.
dir=$1
shift
if [ -n "${CODEBOX_SHARED_MARKER:-}" ]; then
  if [ ! -e "$dir/$CODEBOX_SHARED_MARKER" ]; then
    echo 'codebox: the bind-mounted directory does not hold the file codebox wrote there' >&2
    exit 3
  fi
  unset CODEBOX_SHARED_MARKER
fi
exec "$@"
