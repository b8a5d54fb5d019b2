#!/usr/bin/env bash
# Packs the benchmark for a GPU test machine that has no Node and no package registry:
#   benchmarks/gpu/out/
#     node.xz                      this machine's Node binary, xz-compressed
#     app/bench.mjs                benchmarks/src/main.ts bundled into one file (esbuild from tsx)
#     app/node_modules/webgpu/     the `webgpu` package's loader + dist/linux-x64/dawn.node (kept external)
#     app/torch/step.py            the PyTorch peer (run with the machine's python3 + torch, CUDA when present)
#     libvulkan1_*.deb             Debian's Vulkan loader (apt-get download libvulkan1)
#     run.sh                       the one command to run there
# Copy the folder over and run `bash out/run.sh [--quick]`; with $OUT set, the JSON lands in $OUT.
# Test it here: bash benchmarks/gpu/pack.sh --test   (runs the bundle with the unpacked node, --quick)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUTDIR=benchmarks/gpu/out
NODE_BIN=$(readlink -f "$(command -v node)")
STAMP="$NODE_BIN $(node --version) $(stat -c %s "$NODE_BIN")"
# Keep an already compressed node.xz of the same binary (xz takes a minute or two).
if [ -f "$OUTDIR/node.xz" ] && [ "$(cat "$OUTDIR/node.stamp" 2>/dev/null)" = "$STAMP" ]; then
  mv "$OUTDIR/node.xz" "$OUTDIR/node.stamp" /tmp/ && KEPT=1
fi
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR/app/node_modules/webgpu/dist/linux-x64"

# 1. Node, compressed
echo "node: $NODE_BIN ($(node --version))"
if [ "${KEPT:-}" = 1 ]; then mv /tmp/node.xz /tmp/node.stamp "$OUTDIR/"
else
  xz -T2 -6 -c "$NODE_BIN" > "$OUTDIR/node.xz"
  echo "$STAMP" > "$OUTDIR/node.stamp"
fi

# 2. The bundle. esbuild comes with tsx; `webgpu` stays external (dawn.node must sit beside its loader).
ESBUILD=$(node -e "const p=require('path');const t=p.dirname(require.resolve('tsx/package.json'));console.log(p.join(p.dirname(require.resolve('esbuild/package.json',{paths:[t]})),'bin','esbuild'))" 2>/dev/null || true)
[ -f "$ESBUILD" ] || ESBUILD=$(find node_modules/.pnpm -maxdepth 5 -path '*/esbuild@*/node_modules/esbuild/bin/esbuild' | sort -V | tail -1)
[ -n "$ESBUILD" ] || { echo "esbuild not found (install the workspace: pnpm install)" >&2; exit 1; }
RUN_ESBUILD=(node "$ESBUILD")
head -c 4 "$ESBUILD" | grep -q ELF && RUN_ESBUILD=("$ESBUILD") # the native binary installed in place of the shim
"${RUN_ESBUILD[@]}" benchmarks/src/main.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --outfile="$OUTDIR/app/bench.mjs"
WEBGPU=$(node -e "const p=require('path');console.log(p.dirname(require.resolve('webgpu/package.json',{paths:['$ROOT/packages/kernels']})))" 2>/dev/null || true)
if [ -z "$WEBGPU" ] || [ ! -f "$WEBGPU/index.js" ]; then
  WEBGPU=$(readlink -f packages/kernels/node_modules/webgpu)
fi
cp "$WEBGPU/index.js" "$WEBGPU/package.json" "$OUTDIR/app/node_modules/webgpu/"
cp "$WEBGPU/dist/linux-x64/dawn.node" "$OUTDIR/app/node_modules/webgpu/dist/linux-x64/"
mkdir -p "$OUTDIR/app/torch" && cp benchmarks/torch/step.py "$OUTDIR/app/torch/"

# 3. The Vulkan loader
( cd "$OUTDIR" && { apt-get download libvulkan1 2>/dev/null || { apt-get update -qq && apt-get download libvulkan1; }; } )

# 4. run.sh
cat > "$OUTDIR/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the packed benchmark: bash run.sh [--quick] [bench args...]. Needs root for the loader install.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
NODE="$HERE/node"
if [ ! -x "$NODE" ]; then
  if command -v xz >/dev/null; then xz -dc "$HERE/node.xz" > "$NODE"
  else python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" "$HERE/node.xz" "$NODE"
  fi
  chmod +x "$NODE"
fi
# The Vulkan loader (libvulkan.so.1), unless the system has one.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  DEB=$(ls "$HERE"/libvulkan1_*.deb | head -1)
  if command -v dpkg >/dev/null; then dpkg -x "$DEB" /
  else
    python3 - "$DEB" <<'PY'
import io, sys, tarfile
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'!<arch>\n'
pos = 8
while pos < len(data):
    name = data[pos:pos + 16].decode().strip().rstrip('/')
    size = int(data[pos + 48:pos + 58].decode().strip())
    body = data[pos + 60:pos + 60 + size]
    if name.startswith('data.tar'):
        tarfile.open(fileobj=io.BytesIO(body)).extractall('/')
    pos += 60 + size + (size & 1)
PY
  fi
  ldconfig || true
fi
# A Vulkan driver: the system's ICDs, else NVIDIA's from the container toolkit's mount.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
# The PyTorch peer: the first python that imports torch (GPU machines often have it outside /usr/bin).
if [ -z "${JEPA_TORCH_PYTHON:-}" ]; then
  for py in python3 /usr/bin/python3 python; do
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import torch' >/dev/null 2>&1; then
      JEPA_TORCH_PYTHON=$(command -v "$py"); export JEPA_TORCH_PYTHON; break
    fi
  done
fi
ARGS=("$@")
if [ -n "${OUT:-}" ]; then mkdir -p "$OUT"; ARGS+=(--out "$OUT"); fi
cd "$HERE/app"
exec "$NODE" bench.mjs "${ARGS[@]}"
RUN
chmod +x "$OUTDIR/run.sh"
du -sh "$OUTDIR"/* | sed 's/^/  /'

if [ "${1:-}" = "--test" ]; then
  echo "testing the bundle with the unpacked node (--quick)"
  OUT="$ROOT/benchmarks/gpu/out/test-results" bash "$OUTDIR/run.sh" --quick
fi
