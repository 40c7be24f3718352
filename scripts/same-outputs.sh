#!/usr/bin/env bash
# Checks that a change leaves every output of every shipped scenario byte-identical.
#
#   scripts/same-outputs.sh record DIR    # before the change: run everything, keep it in DIR
#   scripts/same-outputs.sh compare DIR   # after it: run again, compare with DIR
#
# It builds the release binary, runs every file in scenarios/ in one command (so the
# cross-file comparison.csv is covered too), and keeps every file written (CSV, SVG,
# PNG, JSON), the table printed on stdout, and the `--check` listing of each scenario.
# `compare` exits 1 and names the files that differ; 0 when all are identical.
set -euo pipefail

usage() {
    echo "usage: $0 record DIR | compare DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
mode=$1
dir=$2
case "$mode" in record | compare) ;; *) usage ;; esac

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-$repo/target}/release/lambdasim"

# snapshot DEST: every output of every scenario, and a manifest of their SHA-256 sums.
snapshot() {
    local dest=$1
    rm -rf "$dest"
    mkdir -p "$dest/out"
    # The output root appears in the "wrote …" lines; replace it so snapshots taken in
    # different folders compare equal.
    "$bin" -j 2 -o "$dest/out" scenarios/*.toml 2>/dev/null | sed "s|$dest/out|<out>|g" >"$dest/stdout.txt"
    for f in scenarios/*.toml; do
        echo "== $f"
        "$bin" --check "$f"
    done >"$dest/check.txt" 2>&1
    (cd "$dest" && find out stdout.txt check.txt -type f -print0 | sort -z | xargs -0 sha256sum) >"$dest/manifest.sha256"
    echo "$(wc -l <"$dest/manifest.sha256") files in $dest"
}

if [ "$mode" = record ]; then
    snapshot "$(realpath -m "$dir")"
    exit 0
fi

[ -f "$dir/manifest.sha256" ] || { echo "$dir has no manifest.sha256: run '$0 record $dir' first" >&2; exit 2; }
now=$(mktemp -d)
trap 'rm -rf "$now"' EXIT
snapshot "$now"
if diff <(cat "$dir/manifest.sha256") "$now/manifest.sha256" >"$now/diff.txt"; then
    echo "identical: every output of every scenario"
else
    echo "DIFFERENT (< recorded, > now):"
    cat "$now/diff.txt"
    exit 1
fi
