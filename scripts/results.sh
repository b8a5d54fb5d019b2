#!/usr/bin/env bash
# Reproduce the README results table: every objective at the same preset, steps and batch, then
# AskUbuntu dev MAP/MRR@10 and STS-B dev Spearman for each, plus the baselines.
# Usage: [POOLING=sif|mean|cls|max] bash scripts/results.sh [STEPS] [extra pnpm train flags...]
# Pooling defaults to sif (frequency-weighted mean): from scratch, CLS and plain mean pooling stay near
# chance on AskUbuntu (see README, Results).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
STEPS="${1:-300}"; shift || true
POOLING="${POOLING:-sif}"
OUT="runs/results-$POOLING"
mkdir -p "$OUT"
LOG="$OUT/results.jsonl"
: > "$LOG"
common=(--steps "$STEPS" --batch-size 32 --max-tokens 32 --preset tiny --seed 1 --eval-every 0 --baselines false --pooling "$POOLING" --overwrite "$@")
run() { # name, flags...
  local name=$1; shift
  local t0=$SECONDS
  pnpm --silent train "${common[@]}" --out "$OUT/$name" "$@" | tail -n 1 > "$OUT/$name.train.json"
  local wall=$((SECONDS - t0))
  local au st
  au=$(pnpm --silent eval --model "$OUT/$name" --task askubuntu | tail -n 1)
  st=$(pnpm --silent eval --model "$OUT/$name" --task stsb | tail -n 1)
  echo "{\"name\":\"$name\",\"wall_s\":$wall,\"askubuntu\":$au,\"stsb\":$st}" >> "$LOG"
}
run jepa-official --objective jepa --loss official
run jepa-seed --objective jepa --loss seed
run mlm --objective mlm
run simcse --objective simcse
au=$(pnpm --silent eval --model random-init --preset tiny --pooling "$POOLING" --task askubuntu | tail -n 1)
st=$(pnpm --silent eval --model random-init --preset tiny --pooling "$POOLING" --task stsb | tail -n 1)
echo "{\"name\":\"random-init\",\"askubuntu\":$au,\"stsb\":$st}" >> "$LOG"
echo "{\"name\":\"tfidf\",\"askubuntu\":$(pnpm --silent eval --model tfidf --task askubuntu | tail -n 1)}" >> "$LOG"
echo "{\"name\":\"random\",\"askubuntu\":$(pnpm --silent eval --model random --task askubuntu | tail -n 1)}" >> "$LOG"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const f = (v) => (v === undefined ? "—" : v.toFixed(2));
console.log("| system | AskUbuntu dev MAP | MRR@10 | STS-B dev Spearman | train wall time |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.name} | ${f(r.askubuntu.map)} | ${f(r.askubuntu.mrr10)} | ${f(r.stsb?.spearman)} | ${r.wall_s ? r.wall_s + " s" : "—"} |`);
' "$LOG" | tee "$OUT/results.md"
