#!/usr/bin/env bash
# The main job: set up (idempotent), then train the default JEPA encoder and evaluate it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
if [ -f packages/jepa/src/cli/train.ts ]; then
  exec pnpm --silent train "$@"
else
  exec pnpm --silent demo "$@"
fi
