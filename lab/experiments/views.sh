#!/usr/bin/env bash
# The seed's language views and its pretext task (issue #24 item 1): plain JEPA (a crop against the
# rest of the title) against WordNet-swap second views and against all seven view kinds with
# --aux transform (predict which kind made the view), STEPS steps of the default recipe otherwise.
# One line per (variant, seed) appended to lab/results/views.jsonl, then its table and its
# steps/time charts (equal steps and equal time read off the same curves).
# Usage: [SEEDS="1 2 3"] [STEPS=1000] bash lab/experiments/views.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
SEEDS="${SEEDS:-1 2 3}"
STEPS="${STEPS:-1000}"
TAG=views
RUNS="runs/$TAG"
LOG="lab/results/$TAG.jsonl"
# name|dir|flags (besides --steps)
VARIANTS=(
  "JEPA, crop (default views)|base|"
  "JEPA, WordNet swap views|wordnet|--views crop,synonym,hypernym,hyponym"
  "JEPA, all seven views + aux transform|transform|--views crop,synonym,hypernym,hyponym,antonym,mask,noise --aux transform --aux-weight 1"
)
mkdir -p "$RUNS" lab/results
for seed in $SEEDS; do
  for v in "${VARIANTS[@]}"; do
    name="${v%%|*}"
    rest="${v#*|}"
    dir="${rest%%|*}"
    flags="--steps $STEPS ${rest#*|}"
    out="$RUNS/$dir-s$seed"
    t0=$SECONDS
    # shellcheck disable=SC2086 # the flags are words
    pnpm --silent train $flags --seed "$seed" --baselines false --overwrite --out "$out" > "$out.train.json"
    npx tsx lab/tools/results-record.ts "$name" "$seed" $((SECONDS - t0)) "$out" "$flags" >> "$LOG"
  done
done
(cd lab && npx tsx tools/results-report.ts "results/$TAG.jsonl" "The seed's language views and --aux transform ($STEPS steps)")
