#!/usr/bin/env bash
# The bare-table runs behind README "What limits the quality": samples vs batch, epochs at batch 512,
# and JEPA started from PPMI-SVD. Each run's lines go to lab/results/bow-jepa/NAME.jsonl.
#   bash lab/experiments/bow-jepa-sweep.sh [batch|epochs|ppmi]...
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_WAIT_POLICY=passive
out=lab/results/bow-jepa
mkdir -p "$out"
run() { # NAME FLAGS...
  local name=$1; shift
  /usr/bin/python3 lab/experiments/bow-jepa.py --views split "$@" > "$out/$name.jsonl"
  echo "$name: $(tail -1 "$out/$name.jsonl")"
}
for part in "${@:-batch epochs ppmi}"; do
  for p in $part; do
    case $p in
      batch) # equal samples (3 epochs of the pool), lr 3e-3
        for s in 1 2 3; do
          for bs in "32 3200" "64 1600" "128 800" "256 400"; do
            set -- $bs
            run "samples3ep-b$1-seed$s" --batch "$1" --steps "$2" --eval-every "$2" --lr 3e-3 --seed "$s"
          done
        done ;;
      epochs) # batch 512 for 30 epochs
        for s in 1 2 3; do run "b512-2000-lr3e-3-seed$s" --batch 512 --steps 2000 --eval-every 250 --lr 3e-3 --seed "$s"; done ;;
      ppmi) # JEPA from PPMI-SVD at the main job's length, the encoder's table lr x1 and x2
        for s in 1 2 3; do
          for lr in 5e-4 1e-3; do run "ppmi-2000-lr$lr-seed$s" --init ppmi --steps 2000 --eval-every 250 --lr "$lr" --seed "$s"; done
        done ;;
      *) echo "bow-jepa-sweep: unknown part $p (batch|epochs|ppmi)" >&2; exit 2 ;;
    esac
  done
done
