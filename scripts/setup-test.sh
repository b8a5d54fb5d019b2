#!/usr/bin/env bash
# Test-only dependencies (idempotent): PyTorch for Debian's own python3, the oracle of the parity
# tests (packages/jepa/test/torch-parity.test.ts), with OpenBLAS (without it torch falls back to the
# reference BLAS, ~20x slower). Not needed to train or use the packages.
set -euo pipefail
PY=${JEPA_TORCH_PYTHON:-/usr/bin/python3}
say() { printf '[setup-test] %s\n' "$*" >&2; }

have_torch() { [ -x "$PY" ] && "$PY" -c 'import torch, numpy' >/dev/null 2>&1; }
have_openblas() { ! command -v dpkg >/dev/null 2>&1 || dpkg -s libopenblas0-pthread >/dev/null 2>&1; }
if have_torch && have_openblas; then exit 0; fi

hint() {
  say "PyTorch is the oracle of the parity tests. Install it for $PY:"
  say "  sudo apt-get install -y python3-torch libopenblas0-pthread   (Debian 12 / Ubuntu 24.04)"
  say "or point JEPA_TORCH_PYTHON at a python that imports torch and numpy."
}
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then hint; exit 1; fi
say "installing python3-torch libopenblas0-pthread"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-torch python3-numpy libopenblas0-pthread >/dev/null
if ! have_torch; then hint; exit 1; fi
say "PyTorch $("$PY" -c 'import torch; print(torch.__version__)') ready"
