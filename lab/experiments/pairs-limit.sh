#!/usr/bin/env bash
# Sample efficiency, its first column (issue #24): --objective pairs alone on the first K labelled
# pairs (a prefix of one fixed shuffle, so each K holds the smaller ones), from the default recipe's
# start. One line per (K, seed) appended to lab/results/pairs-limit.jsonl (more seeds add lines),
# then its table and charts.
# Usage: [SEEDS="1 2 3"] [KS="100 300 1000 0"] [STEPS=500] bash lab/experiments/pairs-limit.sh
# (K 0 = all 4 816 pairs.)
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
SEEDS="${SEEDS:-1}"
KS="${KS:-100 300 1000 0}"
STEPS="${STEPS:-500}"
TAG=pairs-limit
RUNS="runs/$TAG"
LOG="lab/results/$TAG.jsonl"
mkdir -p "$RUNS" lab/results
for seed in $SEEDS; do
  for k in $KS; do
    name="pairs K=$([ "$k" = 0 ] && echo all || echo "$k")"
    out="$RUNS/k$k-s$seed"
    flags="--objective pairs --pairs-limit $k --steps $STEPS --batch-size 64 --lr 1e-3 --eval-every 100"
    t0=$SECONDS
    # shellcheck disable=SC2086 # the flags are words
    pnpm --silent train $flags --seed "$seed" --baselines false --overwrite --out "$out" > "$out.train.json"
    npx tsx lab/tools/results-record.ts "$name" "$seed" $((SECONDS - t0)) "$out" "$flags" >> "$LOG"
  done
done
(cd lab && npx tsx tools/results-report.ts "results/$TAG.jsonl" "Labelled pairs alone (MNRL) by K, $STEPS steps")
