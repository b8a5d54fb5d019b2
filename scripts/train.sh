#!/usr/bin/env bash
# The default training run: set up (idempotent), then train the recommended encoder (the default
# recipe, packages/jepa/src/train/recipes.ts) and evaluate it. Arguments go to `pnpm train`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
exec pnpm --silent train "$@"
