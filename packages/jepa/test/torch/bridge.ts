// Runs reference.py (the PyTorch twin) on tensors we hand it, through safetensors files in a temp dir.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors, writeSafetensors } from '@jepa/nn';

const SCRIPT = fileURLToPath(new URL('./reference.py', import.meta.url));

/** Debian's python3-torch is built for /usr/bin/python3; a pyenv python3 earlier on PATH may not see it. */
export const PYTHON =
  process.env.JEPA_TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/** PyTorch's version string, or null when PYTHON cannot import torch. */
export function torchVersion(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export type HostTensors = Record<string, { shape: number[]; data: Float32Array | Int32Array }>;

/** Writes case.json + in.safetensors, runs reference.py, returns its out.safetensors as host arrays. */
export async function runReference(
  kase: object,
  inputs: HostTensors,
): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const dir = mkdtempSync(join(tmpdir(), 'jepa-torch-'));
  try {
    writeFileSync(join(dir, 'case.json'), JSON.stringify(kase));
    writeFileSync(join(dir, 'in.safetensors'), writeSafetensors(inputs));
    const r = spawnSync(PYTHON, [SCRIPT, dir], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) throw new Error(`reference.py: exit ${r.status}: ${r.stderr || r.stdout}`);
    const file = readSafetensors(new Uint8Array(await readFile(join(dir, 'out.safetensors'))));
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [n, t] of file.tensors) out.set(n, { shape: [...t.shape], data: t.data as Float32Array });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
