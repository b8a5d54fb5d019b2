#!/usr/bin/env bash
# A runs dir for record.ts from the H200 sweep's runs with some runs replaced by runs made elsewhere
# (e.g. seeds the sweep's deadline cut, finished on 2 cores):
#   bash lab/experiments/gpu/merge-runs.sh SWEEP_RUNS OUT_DIR NAME-sN=RUN_DIR ...
# Each run is linked as OUT_DIR/NAME-sN (+ .train.json, .stsb.json beside it); a replacement's
# files are RUN_DIR and RUN_DIR.train.json / .stsb.json.
set -euo pipefail
src=$(readlink -f "$1"); out=$2; shift 2
mkdir -p "$out"
for d in "$src"/*-s[0-9]*; do
  [ -d "$d" ] || continue
  ln -sfn "$d" "$out/$(basename "$d")"
  for ext in train.json stsb.json; do [ -f "$d.$ext" ] && ln -sf "$d.$ext" "$out/$(basename "$d").$ext"; done
done
for swap in "$@"; do
  name=${swap%%=*}; run=$(readlink -f "${swap#*=}")
  [ -f "$run/metrics.jsonl" ] || { echo "merge-runs: $run: no metrics.jsonl" >&2; exit 1; }
  rm -f "$out/$name" "$out/$name.train.json" "$out/$name.stsb.json"
  ln -sfn "$run" "$out/$name"
  for ext in train.json stsb.json; do [ -f "$run.$ext" ] && ln -sf "$run.$ext" "$out/$name.$ext"; done
done
echo "merge-runs: $(ls -d "$out"/*-s[0-9]* | grep -vc '\.') runs in $out ($# replaced)"
