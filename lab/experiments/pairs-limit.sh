#!/usr/bin/env bash
# Sample efficiency (issue #24): dev MAP with the first K labelled pairs (a prefix of one fixed
# shuffle, so each K holds the smaller ones), three ways, each STEPS steps of batch 64 at lr 1e-3:
#   alone  --objective pairs from the default recipe's untrained start;
#   then   --objective pairs from a JEPA-trained model dir (INIT, the main job's; default runs/default);
#   joint  --objective jepa --aux pairs (VICReg plus the pairs loss, both from the untrained start).
# One line per (mode, K, seed) appended to lab/results/pairs-limit.jsonl (more seeds add lines),
# then its table and charts.
# Usage: [MODES="alone then joint"] [SEEDS="1 2 3"] [KS="100 300 1000 0"] [STEPS=500] [INIT=runs/default]
#        bash lab/experiments/pairs-limit.sh          (K 0 = all 4 816 pairs.)
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
MODES="${MODES:-alone}"
SEEDS="${SEEDS:-1}"
KS="${KS:-100 300 1000 0}"
STEPS="${STEPS:-500}"
INIT="${INIT:-runs/default}"
TAG=pairs-limit
RUNS="runs/$TAG"
LOG="lab/results/$TAG.jsonl"
mkdir -p "$RUNS" lab/results
for mode in $MODES; do
  case "$mode" in
    alone) label="pairs" objective="--objective pairs" prefix="" ;;
    then)
      [ -f "$INIT/config.json" ] || { echo "INIT=$INIT: not a model dir (run the main job first: pnpm train --out $INIT)" >&2; exit 1; }
      label="JEPA→pairs" objective="--objective pairs --init $INIT" prefix="then-" ;;
    joint) label="JEPA+pairs" objective="--objective jepa --aux pairs" prefix="joint-" ;;
    *) echo "MODES: alone, then or joint, got $mode" >&2; exit 1 ;;
  esac
  for seed in $SEEDS; do
    for k in $KS; do
      name="$label K=$([ "$k" = 0 ] && echo all || echo "$k")"
      out="$RUNS/${prefix}k$k-s$seed"
      flags="$objective --pairs-limit $k --steps $STEPS --batch-size 64 --lr 1e-3 --eval-every 100"
      t0=$SECONDS
      # shellcheck disable=SC2086 # the flags are words
      pnpm --silent train $flags --seed "$seed" --baselines false --overwrite --out "$out" > "$out.train.json"
      npx tsx lab/tools/results-record.ts "$name" "$seed" $((SECONDS - t0)) "$out" "$flags" >> "$LOG"
    done
  done
done
(cd lab && npx tsx tools/results-report.ts "results/$TAG.jsonl" "Labelled pairs by K: alone, after JEPA, jointly with JEPA ($STEPS steps)")
