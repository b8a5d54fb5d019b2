#!/usr/bin/env bash
# The test command: set up (idempotent), typecheck, run every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
pnpm typecheck
pnpm test
