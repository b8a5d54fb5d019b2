// PyTorch as a peer: benchmarks/torch/step.py times the same work (BERT training steps, the JEPA
// step, matmul / linear) in a python3 subprocess of the same run, on the CPU (threads = cores) or on
// CUDA. Rows carry a spec; the script answers with medians.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TorchSpec =
  | { kind: 'bert'; preset: string; batch: number; tokens: number; optimizer: boolean }
  | { kind: 'jepa'; preset: string; batch: number; tokens: number; cropTokens: number; expander: number[] }
  | { kind: 'matmul'; M: number; K: number; N: number }
  | { kind: 'linear'; tokens: number; in: number; out: number; gelu: boolean };

export type TorchDevice = 'auto' | 'cpu' | 'cuda';

export interface TorchResult {
  ms?: number;
  /** median process CPU ms per run (all threads) */
  cpuMs?: number;
  error?: string;
}

export interface TorchPeer {
  /** e.g. "torch@1.13.1 (cpu, 2 threads)" */
  name: string;
  time(spec: TorchSpec, reps?: number): TorchResult;
}

// benchmarks/src/ → benchmarks/torch/step.py; in the GPU pack (app/bench.mjs) → torch/step.py beside app/.
const SCRIPT = [new URL('../torch/step.py', import.meta.url), new URL('./torch/step.py', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p));

/** Debian's python3-torch is built for /usr/bin/python3 (a pyenv python3 earlier on PATH may lack it). */
export function torchPython(): string {
  return process.env.JEPA_TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function call(specs: object[], device: TorchDevice, threads: number): { torch: string; device: string; threads: number; results: ({ key: string } & TorchResult)[] } {
  if (!SCRIPT) throw new Error('torch peer: benchmarks/torch/step.py not found');
  const dir = mkdtempSync(join(tmpdir(), 'jepa-torch-bench-'));
  try {
    const file = join(dir, 'specs.json');
    writeFileSync(file, JSON.stringify(specs));
    // Debian's OpenBLAS ignores torch.set_num_threads; its own variable sets the pool size.
    const n = String(threads);
    const r = spawnSync(torchPython(), [SCRIPT, file, '--device', device, '--threads', n], {
      encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n }, maxBuffer: 1 << 24,
    });
    if (r.status !== 0) throw new Error(`torch peer: ${torchPython()} step.py exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Probes python + torch once; throws a one-line reason when there is none. `threads` defaults to
 * the cores (on a loaded machine, 1 keeps OpenBLAS from spinning while its threads wait for a core).
 */
export function setupTorchPeer(device: TorchDevice, threads = cpus().length): TorchPeer {
  const probe = call([], device, threads);
  const name = `torch@${probe.torch} (${probe.device}${probe.device === 'cpu' ? `, ${probe.threads} threads` : ''})`;
  return {
    name,
    time(spec, reps) {
      const res = call([{ ...spec, key: 'row', reps }], device, threads).results[0];
      return res.error ? { error: res.error } : { ms: res.ms, cpuMs: res.cpuMs };
    },
  };
}
