#!/usr/bin/env bash
# pnpm test:browser: the kernel/op suites and the page, end to end, in headless Chromium on its
# WebGPU adapter (examples/browser/test/run.ts). Installs Debian's chromium where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
if [ -z "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test:browser: installing Debian's chromium (apt-get install chromium)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    CHROMIUM=$(command -v chromium)
  else
    echo "test:browser: no chromium found. Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM=/path/to/chrome" >&2
    exit 1
  fi
fi
export CHROMIUM
exec pnpm exec tsx examples/browser/test/run.ts "$@"
