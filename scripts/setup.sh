#!/usr/bin/env bash
# Idempotent setup for a fresh machine: pnpm, the workspace's packages, and — only when Dawn finds
# no WebGPU adapter — Mesa's software Vulkan driver (lavapipe) from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"
PNPM_VERSION=12.4.2

say() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v node >/dev/null 2>&1; then
  say "Node.js >= 20 is required (https://nodejs.org)"; exit 1
fi
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  say "installing pnpm@$PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || corepack enable >/dev/null 2>&1 || {
    say "could not install pnpm; run: npm install -g pnpm@$PNPM_VERSION"; exit 1; }
fi
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  say "pnpm install --frozen-lockfile"
  CI=true pnpm install --frozen-lockfile --reporter=silent
fi

# Does Dawn see an adapter?
probe() { node packages/kernels/scripts/probe-adapter.mjs >/dev/null 2>&1; }
if probe; then exit 0; fi

say "no WebGPU adapter: installing Mesa's Vulkan software driver (lavapipe)"
fix_hint() {
  cat >&2 <<'HINT'
[setup] Could not install a Vulkan driver automatically. Install one of:
  - a GPU with a Vulkan driver (NVIDIA/AMD/Intel), or
  - Mesa's lavapipe >= 23: on Debian 12:
      echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo tee /etc/apt/sources.list.d/backports.list
      sudo apt-get update && sudo apt-get install -y -t bookworm-backports mesa-vulkan-drivers
    (Debian 13 / Ubuntu 24.04: sudo apt-get install -y mesa-vulkan-drivers)
HINT
}
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then fix_hint; exit 1; fi
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
export DEBIAN_FRONTEND=noninteractive
if [ "$codename" = bookworm ]; then
  # Debian 12's own Mesa (22.3) lacks features Dawn requires; backports has 25.x.
  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/jepa-backports.list
  apt-get update -qq
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
else
  apt-get update -qq
  apt-get install -y -qq mesa-vulkan-drivers >/dev/null
fi
if ! probe; then
  node packages/kernels/scripts/probe-adapter.mjs || true
  fix_hint; exit 1
fi
say "WebGPU adapter ready"
