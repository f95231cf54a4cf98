# Sourced by ./codebox and scripts/bench.sh:
#   build_if_stale NAME ROOT JAR MODULE MESSAGE [UNUSED_MODULE]
# builds MODULE (and what it needs) with Maven when JAR is missing or older than any pom or main
# source file under ROOT, except those of UNUSED_MODULE (a module MODULE does not depend on); the
# build log goes to stderr only on failure, prefixed by NAME.
# The check uses bash's own tests, not find: a few ms for the whole tree, less than starting find.
build_if_stale() {
  local name=$1 root=$2 jar=$3 module=$4 message=$5 unused=${6:-} file stale=0
  if [[ -f "$jar" ]]; then
    shopt -s globstar nullglob
    for file in "$root"/pom.xml "$root"/codebox-*/pom.xml "$root"/codebox-*/src/main/**; do
      [[ -n "$unused" && "$file" == "$root/$unused/"* ]] && continue
      [[ "$file" -nt "$jar" ]] && { stale=1; break; }
    done
  else
    stale=1
  fi
  ((stale)) || return 0
  echo "$name: $message" >&2
  local log
  log="$(mktemp)"
  if ! (cd "$root" && mvn -B -q -DskipTests -pl "$module" -am package) >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "$name: the build failed (see above)" >&2
    exit 1
  fi
  rm -f "$log"
}
