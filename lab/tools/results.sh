#!/usr/bin/env bash
# The results table over seeds: every system at the same preset, steps and batch, each trained once
# per seed; final AskUbuntu dev MAP/MRR@10 (whole dev set), STS-B dev Spearman, train wall time and,
# with EVAL_EVERY > 0, the dev-MAP learning curve. Then the baselines, a mean ± sd table
# (lab/results/TAG.md) and the curves (lab/results/TAG-steps.svg, TAG-time.svg).
# Usage: [SEEDS="1 2 3"] [SYSTEMS="jepa mlm ..."] [POOLING=sif] [EVAL_EVERY=0] [TAG=...] \
#        bash lab/tools/results.sh [STEPS] [extra pnpm train flags...]   (or pnpm --filter @jepa/lab seeds ...)
# EXTRA_SYSTEMS adds systems, one "NAME=FLAGS" per line (lab/experiments/claims.sh uses it).
# Pooling defaults to sif (see lab/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -n "${SKIP_SETUP:-}" ] || bash scripts/setup.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
STEPS="${1:-300}"; shift || true
POOLING="${POOLING:-sif}"
SEEDS="${SEEDS:-1 2 3}"
SYSTEMS="${SYSTEMS:-jepa jepa-seed mlm simcse tsdae jepa-aux-mlm jepa-aux-tsdae jepa-ema}"
EVAL_EVERY="${EVAL_EVERY:-0}"
TAG="${TAG:-askubuntu-tiny-$STEPS-$POOLING-seeds}"
RUNS="runs/$TAG"
LOG="lab/results/$TAG.jsonl"
mkdir -p "$RUNS" lab/results
: > "$LOG"
common=(--steps "$STEPS" --batch-size 32 --max-tokens 32 --preset tiny --eval-every "$EVAL_EVERY" --eval-queries 0 --baselines false --pooling "$POOLING" --overwrite "$@")

declare -A FLAGS=(
  [jepa]='--objective jepa --loss official'
  [jepa-seed]='--objective jepa --loss seed'
  [mlm]='--objective mlm'
  [simcse]='--objective simcse'
  [tsdae]='--objective tsdae'
  [jepa-aux-mlm]='--objective jepa --aux mlm'
  [jepa-aux-tsdae]='--objective jepa --aux tsdae'
  [jepa-ema]='--objective jepa-ema'
)
while IFS= read -r s; do [ -z "$s" ] || FLAGS[${s%%=*}]="${s#*=}"; done <<< "${EXTRA_SYSTEMS:-}"

run() { # name seed flags...
  local name=$1 seed=$2; shift 2
  local out="$RUNS/$name-s$seed" t0=$SECONDS
  # A system's own flag replaces the common one (the CLI refuses a flag given twice).
  local c=() i=0
  while [ $i -lt ${#common[@]} ]; do
    local k=${common[$i]}
    if [[ $k == --* && $i -lt $((${#common[@]} - 1)) && ${common[$((i + 1))]} != --* ]]; then
      [[ " $* " == *" $k "* ]] || c+=("$k" "${common[$((i + 1))]}"); i=$((i + 2))
    else
      [[ " $* " == *" $k "* ]] || c+=("$k"); i=$((i + 1))
    fi
  done
  pnpm --silent train "${c[@]}" --seed "$seed" --out "$out" "$@" > "$out.train.json"
  local wall=$((SECONDS - t0))
  pnpm --silent eval --model "$out" --task stsb > "$out.stsb.json"
  npx tsx lab/tools/results-record.ts "$name" "$seed" "$wall" "$out" "$*" "$out.stsb.json" >> "$LOG"
}
for name in $SYSTEMS; do
  [ -n "${FLAGS[$name]:-}" ] || { echo "results.sh: unknown system \"$name\" (known: ${!FLAGS[*]})" >&2; exit 1; }
  # shellcheck disable=SC2086 # the flags are words
  for seed in $SEEDS; do run "$name" "$seed" ${FLAGS[$name]}; done
done
# The untrained encoder gets the runs' input-embedding init.
init=(); prev=''; for a in "$@"; do [ "$prev" = --embedding-init ] && init=(--embedding-init "$a"); prev=$a; done
for seed in $SEEDS; do
  au=$(pnpm --silent eval --model random-init --preset tiny --seed "$seed" --pooling "$POOLING" "${init[@]}" --task askubuntu | tail -n 1)
  st=$(pnpm --silent eval --model random-init --preset tiny --seed "$seed" --pooling "$POOLING" "${init[@]}" --task stsb | tail -n 1)
  echo "{\"name\":\"random-init\",\"seed\":$seed,\"askubuntu\":$au,\"stsb\":$st}" >> "$LOG"
done
echo "{\"name\":\"tfidf\",\"askubuntu\":$(pnpm --silent eval --model tfidf --task askubuntu | tail -n 1)}" >> "$LOG"
for seed in $SEEDS; do
  echo "{\"name\":\"random order\",\"seed\":$seed,\"askubuntu\":$(pnpm --silent eval --model random --seed "$seed" --task askubuntu | tail -n 1)}" >> "$LOG"
done
npx tsx lab/tools/results-report.ts "$LOG" "AskUbuntu dev, tiny, $POOLING"
