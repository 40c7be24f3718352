#!/usr/bin/env bash
# Mutation testing of the model's core (.cargo/mutants.toml lists the files) with
# cargo-mutants: each mutant is a small plausible bug; a mutant the tests do not catch
# ("missed") marks a behaviour no test checks.
#
#   scripts/mutants.sh                 # every mutant: about 1,600, ~3.5 h on 2 cores
#   scripts/mutants.sh --shard 3/6 --sharding round-robin
#                                      # one sixth (K = 0..5), ~40 min: .ci/nightly
#   scripts/mutants.sh --in-diff F     # only the mutants in the lines a diff F changes
#   scripts/mutants.sh -f src/billing.rs   # one file
#
# Each mutant costs an incremental build (~5 s here) and a run of the suite without the
# chart tests (~3 s).
# Results go to mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt).
# Exit status 0 when every mutant was caught or unviable, 2 when some were missed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
# Files named on the command line replace the config's list (which would otherwise add to
# them); the config's other settings are repeated here.
for a in "$@"; do
    case "$a" in
    -f | --file | --file=*) exec cargo mutants --no-config --timeout-multiplier 3 --profile mutants --no-shuffle -j 1 \
        --cargo-test-arg=-- --cargo-test-arg=--skip --cargo-test-arg=output::charts "$@" ;;
    esac
done
exec cargo mutants --no-shuffle -j 1 "$@"
