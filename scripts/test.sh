#!/usr/bin/env bash
# The test command: set up (idempotent), typecheck, lint, run every suite, then the packages as a user
# installs them (tarballs into a fresh npm project, plain node).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-test.sh
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
pnpm typecheck
pnpm lint
# The PyTorch parity tests skip when torch is missing; here setup-test.sh installed it, so they must run.
export JEPA_REQUIRE_TORCH=1
pnpm test
pnpm test:pack
pnpm test:browser
