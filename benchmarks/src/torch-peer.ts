// PyTorch as a peer: benchmarks/torch/step.py times the same work (BERT training steps, the JEPA
// step, matmul / linear) in a python3 subprocess of the same run, on the CPU (threads = cores) or on
// CUDA. Rows carry a spec; the script answers with medians.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
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
  /** One spec timed in a fresh process: warm-up, then the median of `reps` runs. */
  time(spec: TorchSpec, reps?: number): TorchResult;
  /** A warm case in the peer's long-lived process, timed round by round (alternating with ours). */
  open(spec: TorchSpec): Promise<TorchCase>;
  /** Ends the long-lived process. */
  dispose(): void;
}

export interface TorchCase {
  /** ms and process CPU ms of each of `reps` runs */
  time(reps: number): Promise<{ runs: number[]; cpu: number[] }>;
  close(): Promise<void>;
}

// benchmarks/src/ → benchmarks/torch/step.py; in the GPU pack (app/bench.mjs) → torch/step.py beside app/.
const SCRIPT = [new URL('../torch/step.py', import.meta.url), new URL('./torch/step.py', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p));

/** Debian's python3-torch is built for /usr/bin/python3 (a pyenv python3 earlier on PATH may lack it). */
export function torchPython(): string {
  return process.env.JEPA_TORCH_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

function call(
  specs: object[],
  device: TorchDevice,
  threads: number,
): { torch: string; device: string; threads: number; results: ({ key: string } & TorchResult)[] } {
  if (!SCRIPT) throw new Error('torch peer: benchmarks/torch/step.py not found');
  const dir = mkdtempSync(join(tmpdir(), 'jepa-torch-bench-'));
  try {
    const file = join(dir, 'specs.json');
    writeFileSync(file, JSON.stringify(specs));
    // Debian's OpenBLAS ignores torch.set_num_threads; its own variable sets the pool size.
    const n = String(threads);
    const r = spawnSync(torchPython(), [SCRIPT, file, '--device', device, '--threads', n], {
      encoding: 'utf8',
      env: { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n },
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0)
      throw new Error(
        `torch peer: ${torchPython()} step.py exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`,
      );
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
  let server: TorchServer | null = null;
  let next = 0;
  return {
    name,
    time(spec, reps) {
      const res = call([{ ...spec, key: 'row', reps }], device, threads).results[0];
      return res.error ? { error: res.error } : { ms: res.ms, cpuMs: res.cpuMs };
    },
    async open(spec) {
      server ??= new TorchServer(device, threads);
      const key = `case${next++}`;
      await server.request({ op: 'open', key, spec });
      const srv = server;
      return {
        async time(reps) {
          const r = await srv.request({ op: 'time', key, reps });
          return { runs: r.runs as number[], cpu: r.cpu as number[] };
        },
        async close() {
          await srv.request({ op: 'close', key });
        },
      };
    },
    dispose() {
      server?.dispose();
      server = null;
    },
  };
}

/** step.py --serve: one JSON request per line in, one answer per line out, in order. */
class TorchServer {
  private proc: ChildProcessWithoutNullStreams;
  private waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private exited: string | null = null;

  constructor(device: TorchDevice, threads: number) {
    const n = String(threads);
    this.proc = spawn(torchPython(), [SCRIPT!, '--serve', '--device', device, '--threads', n], {
      env: { ...process.env, OPENBLAS_NUM_THREADS: n, OMP_NUM_THREADS: n },
    });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-2000)));
    this.proc.on('exit', (code, signal) => {
      this.exited = `exited ${code ?? signal}: ${this.stderr.trim().split('\n').pop() ?? ''}`;
      for (const w of this.waiting.splice(0)) w('');
    });
    const lines = createInterface({ input: this.proc.stdout });
    let first = true;
    lines.on('line', (line) => {
      if (first) {
        first = false; // the version banner
        return;
      }
      this.waiting.shift()?.(line);
    });
  }

  async request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited) throw new Error(`torch peer: step.py --serve ${this.exited}`);
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(`${JSON.stringify(req)}\n`);
    });
    if (!line) throw new Error(`torch peer: step.py --serve ${this.exited ?? 'closed its output'}`);
    const answer = JSON.parse(line) as Record<string, unknown>;
    if (answer.error) throw new Error(String(answer.error));
    return answer;
  }

  dispose(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}
