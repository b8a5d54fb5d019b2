#!/usr/bin/env bash
# The seed's claims as small experiments, JEPA (official loss) at the main job's setting otherwise:
# batch 8 / 32 / 128 at equal samples seen (9 600), expander width 1× / 4× / 16× hidden,
# μ = 25 / 5 / 1 (the final eval's per-dimension std is the collapse monitor), full+crop vs crop+crop.
# Usage: [SEEDS="1 2 3"] [SYSTEMS="..."] bash lab/experiments/claims.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export EXTRA_SYSTEMS='batch-8=--objective jepa --batch-size 8 --steps 1200
batch-128=--objective jepa --batch-size 128 --steps 75
expander-1x=--objective jepa --expander 128,128,128
expander-16x=--objective jepa --expander 2048,2048,2048
mu-5=--objective jepa --mu 5
mu-1=--objective jepa --mu 1
crop-crop=--objective jepa --crop-both'
export SYSTEMS="${SYSTEMS:-jepa batch-8 batch-128 expander-1x expander-16x mu-5 mu-1 crop-crop}"
export TAG="${TAG:-claims-tiny-sif}"
exec bash lab/tools/results.sh 300
