#!/usr/bin/env bash
# Checks that a change leaves every output of every shipped scenario byte-identical.
#
#   scripts/same-outputs.sh record DIR    # before the change: run everything, keep it in DIR
#   scripts/same-outputs.sh compare DIR   # after it: run again, compare with DIR
#
# It builds the release binary, runs every file in scenarios/ in one command (so the
# cross-file comparison.csv is covered too), and keeps every file written (CSV, SVG,
# PNG, JSON), the table printed on stdout, and the `--check` listing of each scenario.
# Then it writes about 200 broken scenarios (scripts/bad-inputs.py, from the shipped
# ones) and keeps what `--check` says of each, and its exit status: error messages are
# part of what a user sees. `compare` exits 1 and names the files that differ; 0 when all
# are identical.
set -euo pipefail

usage() {
    echo "usage: $0 record DIR | compare DIR" >&2
    exit 2
}
[ $# -eq 2 ] || usage
mode=$1
case "$mode" in record | compare) ;; *) usage ;; esac
# Resolved before the cd below, against the caller's folder.
dir=$(realpath -m "$2")

repo=$(cd "$(dirname "$0")/.." && pwd)
case "$repo/" in "$dir"/*) echo "$dir holds the repository: choose another folder" >&2; exit 2 ;; esac
if [ "$mode" = record ] && [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/manifest.sha256" ]; then
    echo "$dir exists and is not a snapshot: choose a new folder" >&2
    exit 2
fi
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
    "$bin" -j 2 -o "$dest/out" scenarios/*.toml | sed "s|$dest/out|<out>|g" >"$dest/stdout.txt"
    for f in scenarios/*.toml; do
        echo "== $f"
        "$bin" --check "$f"
    done >"$dest/check.txt" 2>&1
    python3 scripts/bad-inputs.py scenarios "$dest/bad"
    mkdir -p "$dest/errors"
    (
        cd "$dest/bad"
        for f in *.toml; do
            rc=0
            "$bin" --check "$f" >"$dest/errors/${f%.toml}.txt" 2>&1 || rc=$?
            echo "exit $rc" >>"$dest/errors/${f%.toml}.txt"
        done
    )
    (cd "$dest" && find out errors stdout.txt check.txt -type f -print0 | sort -z | xargs -0 sha256sum) >"$dest/manifest.sha256"
    echo "$(wc -l <"$dest/manifest.sha256") files in $dest"
}

if [ "$mode" = record ]; then
    snapshot "$dir"
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
