#!/usr/bin/env bash
# Runs on the GPU machine, from the packed folder (lab/experiments/gpu/pack.sh):
#   bash out/sweep.sh JOBS_FILE [PARALLEL] [DEADLINE_S]
# JOBS_FILE: one job per line, "NAME SEED FLAGS..." (blank lines and # comments skipped), run in file
# order, PARALLEL at a time (default 12); no job starts after DEADLINE_S seconds (default 480), and
# those running then get SIGTERM (the trainer saves its checkpoint; its metrics.jsonl keeps the
# curve so far). Each job: `train.mjs $COMMON FLAGS --seed SEED --out runs/NAME-sSEED`, then the
# STS-B eval of what it wrote. Everything but weights and checkpoints lands in $OUT/sweep.tgz;
# the harness lines (lab/tools/results-record.ts) are made back home from it.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
JOBS=$(readlink -f "$1"); PAR=${2:-12}; DEADLINE=${3:-480}
NODE="$HERE/node"
[ -x "$NODE" ] || { xz -dc "$HERE/node.xz" > "$NODE" 2>/dev/null || python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" "$HERE/node.xz" "$NODE"; chmod +x "$NODE"; }
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
WORK=/tmp/sweep; mkdir -p "$WORK/runs"; cd "$WORK"
START=$SECONDS
job() { # NAME SEED FLAGS...
  local name=$1 seed=$2; shift 2
  local out="runs/$name-s$seed" t0=$SECONDS
  # shellcheck disable=SC2086 # COMMON holds words
  "$NODE" "$HERE/app/t/cli/train.mjs" $COMMON "$@" --seed "$seed" --out "$out" > "$out.train.json" 2> "$out.log"
  echo "$((SECONDS - t0))" > "$out.wall"
  [ -f "$out/model.safetensors" ] && "$NODE" "$HERE/app/t/cli/eval.mjs" --model "$out" --task stsb > "$out.stsb.json" 2>> "$out.log"
  echo "$(date +%T) done $name-s$seed ($(cat "$out.wall") s): $(tail -c 300 "$out.train.json" | tr -d '\n')"
}
running=0
while read -r name seed flags; do
  case "$name" in ''|'#'*) continue ;; esac
  while [ "$(jobs -rp | wc -l)" -ge "$PAR" ]; do sleep 1; done
  if [ $((SECONDS - START)) -ge "$DEADLINE" ]; then echo "deadline: $name-s$seed and later not started"; break; fi
  # shellcheck disable=SC2086
  job "$name" "$seed" $flags &
  running=$((running + 1))
done < "$JOBS"
# Wait for the rest, but not past the deadline.
while [ "$(jobs -rp | wc -l)" -gt 0 ] && [ $((SECONDS - START)) -lt "$DEADLINE" ]; do sleep 2; done
if [ "$(jobs -rp | wc -l)" -gt 0 ]; then
  echo "deadline: stopping $(jobs -rp | wc -l) running job(s)"
  pkill -TERM -f "$HERE/app/t/cli/train.mjs"; sleep 20
fi
mkdir -p "${OUT:-$HERE}"; tar czf "${OUT:-$HERE}/sweep.tgz" --exclude='*.safetensors' --exclude='checkpoint*' --exclude=vocab.txt --exclude=report.html runs
echo "sweep: $running job(s) started, $((SECONDS - START)) s"
