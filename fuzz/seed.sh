#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ with the repository's own inputs (examples,
# fixtures, deploy/, docs, the examples' build snapshots) as starting
# points for the fuzzers. Run from anywhere; the corpus is not committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
mkdir -p "$corpus"/{check_file,air_toml,reconcile_config,airapp_spec,live_objects}

# One file per input, named by content so reruns do not duplicate.
put() { # target file
  local sum
  sum=$(sha1sum "$2" | cut -c1-16)
  cp "$2" "$corpus/$1/$sum"
}

while IFS= read -r -d '' f; do put check_file "$f"; done \
  < <(find "$root/examples" "$root/tests/fixtures" "$root/cli/templates" -name '*.air' -print0)
while IFS= read -r -d '' f; do put air_toml "$f"; done \
  < <(find "$root/examples" "$root/tests/fixtures" "$root/cli/templates" -name 'air.toml' -print0)

# The reconciler's TOML: deploy/configmap.yaml's embedded file and every
# ```toml block of the docs that has an [[app]].
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/reconciler.toml: \|/{on=1; next} on && /^[^ ]/{on=0} on{sub(/^    /, ""); print}' \
  "$root/deploy/configmap.yaml" > "$tmp/deploy.toml"
put reconcile_config "$tmp/deploy.toml"
n=0
for doc in "$root"/docs/*.md; do
  awk -v dir="$tmp" -v base="$(basename "$doc" .md)" '
    /^```toml/{on=1; n++; file=dir "/" base "-" n ".toml"; next}
    /^```/{on=0}
    on{print > file}' "$doc"
done
for f in "$tmp"/*-*.toml; do
  [ -e "$f" ] || continue
  if grep -q '\[\[app\]\]\|\[server\]\|\[notify' "$f"; then put reconcile_config "$f"; fi
  n=$((n + 1))
done

for t in airapp_spec reconcile_config; do
  for f in "$here"/seeds/$t/*; do put "$t" "$f"; done
done

# Every object the examples build (their snapshots), as DESIRED---LIVE
# pairs: the object against itself, and against the next one.
for snap in "$root"/tests/tests/snapshots/testsuite__examples__build__*.snap; do
  awk -v dir="$tmp/objects" -v base="$(basename "$snap" .snap)" '
    BEGIN { system("mkdir -p " dir) }
    NR <= 4 { next }
    /^---$/ { n++; next }
    { print > (dir "/" base "-" n ".yaml") }' "$snap"
done
prev=""
for f in "$tmp"/objects/*.yaml; do
  { cat "$f"; printf '\n---\n'; cat "$f"; } > "$tmp/pair"
  put live_objects "$tmp/pair"
  if [ -n "$prev" ]; then
    { cat "$f"; printf '\n---\n'; cat "$prev"; } > "$tmp/pair"
    put live_objects "$tmp/pair"
  fi
  prev=$f
done

for t in "$corpus"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
