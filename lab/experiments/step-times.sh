#!/usr/bin/env bash
# Seconds per training step on this machine for each distinct system of a jobs file (the seed-1
# lines of lab/experiments/gpu/jobs-*.txt): 60 steps each, timed from step 20 to 60 (the
# first steps compile shaders), one at a time. Turns curves measured elsewhere (the H200 sweep)
# into this machine's wall time. Usage: bash lab/experiments/step-times.sh JOBS_FILE [NAME...]
# Prints one JSON line per system: {"name", "sPerStep", "steps"}.
set -euo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
JOBS=$1; shift
COMMON=(--preset tiny --max-tokens 32 --pooling sif --embedding-init words --eval-queries 10 --baselines false --overwrite --eval-every 0 --log-every 10)
while read -r name seed flags; do
  case "$name" in ''|'#'*) continue ;; esac
  [ "$seed" = 1 ] || continue
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  # the jobs' own --steps/--eval-every give way to 60 steps, no periodic eval
  f=$(echo "$flags" | sed -E 's/--steps [0-9]+//; s/--eval-every [0-9]+//')
  out=/tmp/step-times/$name
  # shellcheck disable=SC2086
  pnpm --silent train "${COMMON[@]}" $f --steps 60 --out "$out" > /dev/null 2>&1
  node -e '
    const recs = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse).filter((r) => r.kind === "train");
    const at = (s) => recs.find((r) => r.step === s).elapsed;
    console.log(JSON.stringify({ name: process.argv[2], sPerStep: +((at(60) - at(20)) / 40).toFixed(4), steps: 40 }));
  ' "$out/metrics.jsonl" "$name"
done < "$JOBS"
