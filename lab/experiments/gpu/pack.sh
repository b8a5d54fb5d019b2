#!/usr/bin/env bash
# Packs the training and eval CLIs for a GPU machine with no Node and no registry, beside the packed
# benchmark (benchmarks/gpu/pack.sh: node.xz, the webgpu loader + dawn.node, the Vulkan loader):
#   benchmarks/gpu/out/app/t/cli/{train,eval}.mjs   the CLIs bundled (esbuild; webgpu external)
#   benchmarks/gpu/out/app/data, app/assets          what they read at run time: the bundles sit two
#                                                    folders down, as the sources do, so their
#                                                    `new URL('../../data/…', import.meta.url)` resolve
#   benchmarks/gpu/out/sweep.sh                      runs a jobs file there, N at a time (see it)
# Usage: bash lab/experiments/gpu/pack.sh [--test]   (--test: a 3-step run here through the bundle)
set -euo pipefail
cd "$(dirname "$0")/../../.."
bash benchmarks/gpu/pack.sh >/dev/null
OUTDIR=benchmarks/gpu/out
APP=$OUTDIR/app
ESBUILD=$(find node_modules/.pnpm -maxdepth 5 -path '*/esbuild@*/node_modules/esbuild/bin/esbuild' | sort -V | tail -1)
RUN_ESBUILD=(node "$ESBUILD"); head -c 4 "$ESBUILD" | grep -q ELF && RUN_ESBUILD=("$ESBUILD")
mkdir -p "$APP/t/cli"
for cli in train eval; do
  "${RUN_ESBUILD[@]}" "packages/jepa/src/cli/$cli.ts" --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
    --outfile="$APP/t/cli/$cli.mjs"
done
cp -r packages/jepa/data "$APP/data"
cp -r packages/nn/assets "$APP/assets"
cp lab/experiments/gpu/sweep.sh "$OUTDIR/sweep.sh"
du -sh "$APP/t" "$APP/data" | sed 's/^/  /'
if [ "${1:-}" = "--test" ]; then
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
  node "$APP/t/cli/train.mjs" --steps 3 --preset tiny --eval-every 0 --eval-queries 20 --baselines false \
    --out /tmp/gpu-pack-test --overwrite --pooling sif --embedding-init words
  node "$APP/t/cli/eval.mjs" --model /tmp/gpu-pack-test --task stsb
fi
