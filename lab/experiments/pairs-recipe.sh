#!/usr/bin/env bash
# Screening a labelled recipe (issue #24 item 4's second goal, >= 44 dev MAP): --objective pairs on
# all 4 816 pairs, 500 steps of batch 64, against the pairs-limit baseline (lr 1e-3, the default
# recipe's frozen layers), one knob at a time. One line per (variant, seed) appended to
# lab/results/pairs-recipe.jsonl, then its table. Single seed unless SEEDS says more: a screen.
# Usage: [SEEDS="1"] [ONLY=REGEX] bash lab/experiments/pairs-recipe.sh   (ONLY: the variants whose name matches)
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
SEEDS="${SEEDS:-1}"
ONLY="${ONLY:-.}"
TAG=pairs-recipe
RUNS="runs/$TAG"
LOG="lab/results/$TAG.jsonl"
BASE="--objective pairs --steps 500 --batch-size 64 --eval-every 100"
# name|flags (besides BASE)
VARIANTS=(
  "layers train|--lr 1e-3 --layer-lr-scale 1"
  "lr 3e-3|--lr 3e-3"
  "no dropout|--lr 1e-3 --dropout 0"
  "scale 50|--lr 1e-3 --pairs-scale 50"
  "scale 50, no dropout|--lr 1e-3 --pairs-scale 50 --dropout 0"
  "scale 100|--lr 1e-3 --pairs-scale 100"
  "scale 50, sif weights learnt (lr x3)|--lr 1e-3 --pairs-scale 50 --sif-lr-scale 3"
  "scale 50, sif weights learnt (lr x10)|--lr 1e-3 --pairs-scale 50 --sif-lr-scale 10"
  "scale 20, sif weights learnt (lr x10)|--lr 1e-3 --sif-lr-scale 10"
  "scale 50, sif weights learnt (lr x30)|--lr 1e-3 --pairs-scale 50 --sif-lr-scale 30"
  "scale 20, sif weights learnt (lr x30)|--lr 1e-3 --sif-lr-scale 30"
)
mkdir -p "$RUNS" lab/results
for v in "${VARIANTS[@]}"; do
  name="${v%%|*}"
  extra="${v#*|}"
  [[ "$name" =~ $ONLY ]] || continue
  for seed in $SEEDS; do
    slug="${name//[^a-z0-9.]/-}"
    out="$RUNS/$slug-s$seed"
    flags="$BASE $extra"
    t0=$SECONDS
    # shellcheck disable=SC2086 # the flags are words
    pnpm --silent train $flags --seed "$seed" --baselines false --overwrite --out "$out" > "$out.train.json"
    npx tsx lab/tools/results-record.ts "pairs, $name" "$seed" $((SECONDS - t0)) "$out" "$flags" >> "$LOG"
  done
done
(cd lab && npx tsx tools/results-report.ts "results/$TAG.jsonl" "Labelled recipe screen")
