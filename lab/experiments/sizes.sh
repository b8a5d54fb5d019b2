#!/usr/bin/env bash
# Smaller models, the seed's other direction (issue #24 item 3): tiny (2×128) against mini (4×256)
# and small (4×512), built from scratch with the default recipe (PPMI word table at each width,
# layers frozen, SIF pooling), for JEPA and the labelled-pairs objective. On 2 cores a step of mini
# costs ≈ 7× tiny's and small ≈ 25×, so equal time means far fewer steps: each row names its steps,
# and equal steps come from tiny runs of the bigger models' step counts.
# One line per (row, seed) appended to lab/results/sizes.jsonl, then its table.
# Usage: ROWS="jepa:mini:180 pairs:small:20 ..." [SEEDS="1 2 3"] bash lab/experiments/sizes.sh
#   jepa:  pnpm train's default recipe (batch 32, lr 5e-4) cut to the row's steps;
#   pairs: --objective pairs --pairs-scale 50, batch 64, lr 1e-3 (the labelled screen's best).
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
SEEDS="${SEEDS:-1 2 3}"
ROWS="${ROWS:?ROWS: objective:preset:steps rows, e.g. jepa:mini:180}"
TAG=sizes
RUNS="runs/$TAG"
LOG="lab/results/$TAG.jsonl"
mkdir -p "$RUNS" lab/results
for row in $ROWS; do
  IFS=: read -r obj preset steps <<< "$row"
  case "$obj" in
    jepa) extra="" ;;
    pairs) extra="--objective pairs --pairs-scale 50 --batch-size 64 --lr 1e-3" ;;
    *) echo "ROWS: objective jepa or pairs, got $obj in $row" >&2; exit 1 ;;
  esac
  for seed in $SEEDS; do
    out="$RUNS/$obj-$preset-$steps-s$seed"
    flags="--preset $preset --steps $steps --eval-every 0 $extra"
    t0=$SECONDS
    # shellcheck disable=SC2086 # the flags are words
    pnpm --silent train $flags --seed "$seed" --baselines false --overwrite --out "$out" > "$out.train.json"
    npx tsx lab/tools/results-record.ts "$obj, $preset, $steps steps" "$seed" $((SECONDS - t0)) "$out" "$flags" >> "$LOG"
  done
done
(cd lab && npx tsx tools/results-report.ts "results/$TAG.jsonl" "Model sizes at equal time and equal steps")
