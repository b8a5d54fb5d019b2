// Runs a PyTorch reference script of this folder on tensors we hand it, through safetensors files in
// a temp dir: DIR/case.json + DIR/in.safetensors in, DIR/out.safetensors back (as jepa's torch bridge).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, writeSafetensors } from '../../src/index.ts';

/** Debian's python3-torch is built for /usr/bin/python3; a pyenv python3 earlier on PATH may not see it. */
export const PYTHON =
  process.env.JEPA_TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** PyTorch's version string, or null when PYTHON cannot import torch. */
export function torchVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export type HostTensors = Record<string, { shape: number[]; data: Float32Array | Int32Array }>;

/** Runs `script` (a file beside this one) on `kase` and `inputs`; returns its outputs as host arrays. */
export async function runTorch(
  script: string,
  kase: object,
  inputs: HostTensors,
): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const dir = mkdtempSync(join(tmpdir(), 'nn-torch-'));
  try {
    writeFileSync(join(dir, 'case.json'), JSON.stringify(kase));
    writeFileSync(join(dir, 'in.safetensors'), writeSafetensors(inputs));
    const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
    const r = spawnSync(PYTHON, [path, dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) throw new Error(`${script}: exit ${r.status}: ${r.stderr || r.stdout}`);
    const file = readSafetensors(new Uint8Array(await readFile(join(dir, 'out.safetensors'))));
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [n, t] of file.tensors) out.set(n, { shape: [...t.shape], data: t.data as Float32Array });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
