#!/usr/bin/env bash
# pnpm pack:all DIR — a clean build of the four packages, then one npm-installable tarball each in DIR.
# pnpm pack swaps in each package's publishConfig (exports, imports, main, types, bin → dist/) and
# rewrites workspace:* dependencies to the packed versions.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:?usage: pnpm pack:all DIR}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
PACKAGES=(kernels tensor nn jepa)
for p in "${PACKAGES[@]}"; do rm -rf "packages/$p/dist"; done   # no outputs of deleted sources in a tarball
pnpm build
# The shipped declarations name four WebGPU interfaces. The sources get them from @webgpu/types, but
# a consumer cannot: TypeScript 7's DOM lib declares WebGPU itself ("Duplicate identifier" against
# @webgpu/types), and without the DOM lib @webgpu/types does not compile (it needs BufferSource,
# EventTarget, ...). So the kernels entries reference a shim of empty global interfaces instead,
# which merges with the full types wherever those exist (TS 7 + DOM, or @webgpu/types in a
# project's "types") and stands alone elsewhere. scripts/pack-test checks TS 5 and 7, with and
# without DOM.
node --input-type=module - packages/kernels/dist <<'JS'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const dist = process.argv[2];
const REF = '/// <reference types="@webgpu/types" preserve="true" />';
const SHIM = '/// <reference path="./webgpu-shim.d.ts" />';
writeFileSync(join(dist, 'webgpu-shim.d.ts'), [
  '// WebGPU interfaces named by @jepa/kernels\' declarations, empty: they merge with the full ones',
  '// where a project has them (TypeScript 7 with the DOM lib, or @webgpu/types in "types").',
  ...['GPUBuffer', 'GPUDevice', 'GPUComputePipeline', 'GPUComputePassTimestampWrites'].map((n) => `interface ${n} {}`),
  '',
].join('\n'));
for (const entry of ['index.d.ts', 'variants-api.d.ts']) {
  const path = join(dist, entry);
  const src = readFileSync(path, 'utf8');
  if (src.startsWith(REF)) writeFileSync(path, SHIM + src.slice(REF.length));
  else {
    // One line more at the top: the declaration map's lines shift by one too.
    writeFileSync(path, `${SHIM}\n${src}`);
    const map = JSON.parse(readFileSync(`${path}.map`, 'utf8'));
    map.mappings = `;${map.mappings}`;
    writeFileSync(`${path}.map`, JSON.stringify(map));
  }
}
// Every WebGPU name in any package's declarations must be in the shim (else a consumer's tsc fails).
const names = new Set();
for (const p of ['kernels', 'tensor', 'nn', 'jepa']) {
  const dir = join(dist, '../..', p, 'dist');
  for (const f of readdirSync(dir, { recursive: true })) {
    if (!String(f).endsWith('.d.ts') || String(f).endsWith('webgpu-shim.d.ts')) continue;
    for (const m of readFileSync(join(dir, String(f)), 'utf8').matchAll(/\bGPU[A-Z]\w*/g)) names.add(m[0]);
  }
}
const shim = readFileSync(join(dist, 'webgpu-shim.d.ts'), 'utf8');
const missing = [...names].filter((n) => !shim.includes(`interface ${n} {}`));
if (missing.length) throw new Error(`pack-all: the declarations name WebGPU types the shim lacks: ${missing.join(', ')}`);
JS
# The repository's LICENSE goes into each tarball (copied for the pack only; git ignores the copies).
trap 'for p in "${PACKAGES[@]}"; do rm -f "packages/$p/LICENSE"; done' EXIT
for p in "${PACKAGES[@]}"; do
  cp LICENSE "packages/$p/LICENSE"
  (cd "packages/$p" && pnpm pack --pack-destination "$dest" >/dev/null)
done
ls -l "$dest"/jepa-*.tgz >&2
