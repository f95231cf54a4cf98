# Sourced by ./codebox and scripts/bench.sh:
#   build_if_stale NAME ROOT JAR MODULE MESSAGE [UNUSED_MODULE]
# builds MODULE (and what it needs) with Maven when JAR is missing or older than any pom or main
# source file or directory under ROOT, except those of UNUSED_MODULE (a module MODULE does not
# depend on); the build log goes to stderr only on failure, prefixed by NAME.
#
# The check uses bash's own tests, not find (starting find costs more). Reading every directory of
# the tree takes most of it, so the paths found are kept beside the jar (JAR.sources, relative to
# ROOT) and later calls only compare those: an edited file is newer than the jar, and a file added,
# removed or renamed makes its directory newer. The list is made again once the jar is newer.
build_if_stale() {
  local name=$1 root=$2 jar=$3 module=$4 message=$5 unused=${6:-} list="$3.sources" file stale=0 scanned=0
  local -a paths=()
  if [[ -f "$jar" ]]; then
    if [[ -f "$list" && ! "$jar" -nt "$list" ]]; then
      mapfile -t paths <"$list"
    else
      scanned=1
      shopt -s globstar nullglob
      for file in "$root"/pom.xml "$root"/codebox-*/pom.xml "$root"/codebox-*/src/main "$root"/codebox-*/src/main/**; do
        [[ -n "$unused" && "$file" == "$root/$unused/"* ]] || paths+=("${file#"$root"/}")
      done
      shopt -u globstar nullglob
    fi
    for file in "${paths[@]}"; do
      [[ "$root/$file" -nt "$jar" ]] && { stale=1; break; }
    done
  else
    stale=1
  fi
  if ((!stale)); then
    if ((scanned)); then
      # Through a new file and a rename: two launchers at once never read half a list.
      printf '%s\n' "${paths[@]}" >"$list.$$" && mv -f "$list.$$" "$list" || rm -f "$list.$$"
    fi
    return 0
  fi
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
