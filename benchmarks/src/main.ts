// pnpm bench [--quick] [--filter REGEX] [--no-peer] [--peer-device shared|own] [--no-torch]
//            [--torch-device auto|cpu|cuda] [--torch-threads N] [--out DIR] [--variants]
// (--variants: the matmul variant table first; every op's variants: pnpm bench:variants)
// Kernel/op micro-benchmarks and training steps on the default adapter, side by side with
// @tensorflow/tfjs-backend-webgpu on the same Dawn adapter in this process, and with PyTorch in a
// python3 subprocess (torch-peer.ts; CPU when our adapter is a CPU rasterizer, else CUDA if it has
// one). Each timing: one warm-up run, then the median of >= 5 runs, each waited for on the queue
// (onSubmittedWorkDone; no readback on either side).
// Prints a table and writes benchmarks/results/<adapter-slug>.json (or $OUT/<slug>.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, runtime, shutdown } from '@jepa/kernels';
import { ConfigError, parseOptions } from '@jepa/jepa';
import { PEER_NAME, setupPeer, type Peer, type TfTensor } from './peer.ts';
import { benchRows, type BenchRow } from './rows.ts';
import { setupTorchPeer, type TorchDevice, type TorchPeer } from './torch-peer.ts';
import { fmtNum, gbps, gflops, median, table } from './timing.ts';

export interface BenchRecord {
  op: string;
  shape: string;
  ms: number | null;
  gflops?: number | null;
  gbps?: number | null;
  peer: string | null;
  peer_ms: number | null;
  ratio: number | null;
  /** our median GPU time (sum of compute-pass timestamps), where the adapter offers timestamp queries */
  gpu_ms?: number | null;
  /** PyTorch on the same work (rows without a tfjs peer also name it as `peer`) */
  torch?: string;
  torch_ms?: number | null;
  /** torch_ms / ms: > 1 means we are faster */
  torch_ratio?: number | null;
  /**
   * Median process CPU ms per run, ours and PyTorch's: on a loaded machine the wall-time ratio
   * mostly measures the scheduler (OpenBLAS threads spin while they wait for each other).
   */
  cpu_ms?: number | null;
  torch_cpu_ms?: number | null;
  /** training-step rows: tokens per second, ours and PyTorch's */
  tokens_per_s?: number | null;
  torch_tokens_per_s?: number | null;
  adapter: string;
  date: string;
  note?: string;
}

interface Args {
  quick: boolean;
  filter: RegExp | null;
  peer: boolean;
  peerDevice: 'shared' | 'own';
  out: string | null;
  variants: boolean;
  torch: boolean;
  torchDevice: TorchDevice | null;
  torchThreads: number | undefined;
}

// Every flag is checked: an unknown one or a stray word is an error with a "did you mean".
function parseArgs(argv: string[]): Args {
  const o = parseOptions('pnpm bench', argv, {
    quick: 'bool', filter: 'str', noPeer: 'bool', peerDevice: ['shared', 'own'], out: 'str', variants: 'bool',
    noTorch: 'bool', torchDevice: ['auto', 'cpu', 'cuda'], torchThreads: 'pos',
  });
  return {
    quick: o.quick === true,
    filter: o.filter ? new RegExp(o.filter as string, 'i') : null,
    peer: o.noPeer !== true,
    peerDevice: o.peerDevice === 'own' ? 'own' : 'shared',
    out: (o.out as string | undefined) ?? process.env.OUT ?? null,
    variants: o.variants === true,
    torch: o.noTorch !== true,
    torchDevice: (o.torchDevice as TorchDevice | undefined) ?? null,
    torchThreads: o.torchThreads !== undefined ? Number(o.torchThreads) : undefined,
  };
}

export function adapterSlug(adapter: string): string {
  return adapter.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80) || 'unknown';
}

const REPS = 5;

/**
 * Median ms of `run` (warm-up first); `finish` waits for the device, `cleanup` frees outputs.
 * `cpu` receives the median process CPU ms per run (all threads: llvmpipe's workers included).
 */
async function timeRuns<O>(run: () => O, finish: () => Promise<void>, cleanup: (o: O) => void, reps = REPS, cpu?: (ms: number) => void): Promise<number> {
  const cpuRuns: number[] = [];
  const once = async () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const o = run();
    await finish();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpuRuns.push((c.user + c.system) / 1000);
    cleanup(o);
    return dt;
  };
  await once();
  cpuRuns.length = 0;
  const runs: number[] = [];
  for (let i = 0; i < reps; i++) runs.push(await once());
  cpu?.(median(cpuRuns));
  return median(runs);
}

/**
 * Median GPU time of our runs from timestamp queries (separate runs from the wall-clock ones, so
 * the queries cost those nothing); null where the adapter has no timestamp-query.
 */
async function gpuTime<O>(run: () => O, cleanup: (o: O) => void, reps = REPS): Promise<number | null> {
  const rt = runtime();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    if (!rt.startTiming()) return null;
    const o = run();
    const ms = await rt.stopTiming();
    cleanup(o);
    if (ms === null) return null;
    times.push(ms);
  }
  return median(times);
}

function disposeOurs(o: unknown): void {
  for (const t of Array.isArray(o) ? o : [o]) (t as { dispose?: () => void } | undefined)?.dispose?.();
}

async function runRow(row: BenchRow, peer: Peer | null, torch: TorchPeer | null, adapter: string, date: string): Promise<BenchRecord> {
  const tfjs = peer && row.peer ? peer : null;
  const rec: BenchRecord = { op: row.op, shape: row.shape, ms: null, peer: tfjs ? PEER_NAME : null, peer_ms: null, ratio: null, adapter, date };
  const rt = runtime();
  const ours = row.ours();
  try {
    rec.ms = await timeRuns(() => ours.run(), () => rt.sync(), disposeOurs, row.reps, (c) => (rec.cpu_ms = c));
    if (row.gpuTime !== false) rec.gpu_ms = await gpuTime(() => ours.run(), disposeOurs, row.reps);
  } finally {
    ours.dispose();
  }
  if (row.flops) rec.gflops = gflops(row.flops, rec.ms);
  if (row.bytes) rec.gbps = gbps(row.bytes, rec.ms);
  if (row.tokens) rec.tokens_per_s = (row.tokens * 1000) / rec.ms;
  if (torch && row.torch) {
    // After ours, in the same run: the two never compete for the cores.
    const t = torch.time(row.torch, row.reps);
    rec.torch = torch.name;
    rec.torch_ms = t.ms ?? null;
    rec.torch_cpu_ms = t.cpuMs ?? null;
    rec.torch_ratio = t.ms !== undefined ? t.ms / rec.ms : null;
    if (row.tokens && t.ms !== undefined) rec.torch_tokens_per_s = (row.tokens * 1000) / t.ms;
    if (t.error) rec.note = `torch failed: ${t.error.split('\n')[0]}`;
    if (!row.peer) Object.assign(rec, { peer: torch.name, peer_ms: rec.torch_ms, ratio: rec.torch_ratio });
  }
  const peerSkip = row.peerSkip?.();
  if (peerSkip) rec.note = [rec.note, `peer skipped: ${peerSkip}`].filter(Boolean).join('; ');
  if (tfjs && row.peer && !peerSkip) {
    const { tf } = tfjs;
    try {
      const pc = row.peer(tf);
      try {
        rec.peer_ms = await timeRuns(
          () => tf.tidy(() => pc.run()) as TfTensor | TfTensor[],
          () => tfjs.finish(),
          (o) => tf.dispose(o),
        );
      } finally {
        pc.dispose();
      }
      rec.ratio = rec.peer_ms / rec.ms;
    } catch (e) {
      // A peer failure is a finding about the peer, not a reason to lose the row.
      rec.note = `peer failed: ${String((e as Error).message ?? e).split('\n')[0]}`;
    }
  }
  return rec;
}

export function renderTable(recs: BenchRecord[]): string {
  const notes: string[] = [];
  const x = (v: number | null | undefined) => (v != null ? `${fmtNum(v)}×` : '-');
  const body = table(
    ['op', 'shape', 'ours ms', 'GPU ms', 'rate', 'tfjs ms', 'tfjs/ours', 'torch ms', 'torch/ours', 'CPU-time torch/ours'],
    recs.map((r) => {
      const rate = r.gflops != null ? `${fmtNum(r.gflops)} GFLOP/s` : r.gbps != null ? `${fmtNum(r.gbps)} GB/s` : r.tokens_per_s != null ? `${fmtNum(r.tokens_per_s)} tok/s` : '-';
      if (r.note) notes.push(`[${notes.length + 1}] ${r.op} ${r.shape}: ${r.note}`);
      const mark = r.note ? ` [${notes.length}]` : '';
      const tfjs = r.peer === PEER_NAME;
      return [r.op, r.shape + mark, fmtNum(r.ms), fmtNum(r.gpu_ms), rate, tfjs ? fmtNum(r.peer_ms) : '-', tfjs ? x(r.ratio) : '-', fmtNum(r.torch_ms), x(r.torch_ratio), x(r.torch_cpu_ms != null && r.cpu_ms ? r.torch_cpu_ms / r.cpu_ms : null)];
    }),
  );
  return notes.length ? `${body}\n\n${notes.join('\n')}` : body;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  await init();
  const rt = runtime();
  const adapter = rt.gpu.info.adapter;
  const cpu = rt.gpu.info.isCpu;
  console.log(`adapter: ${adapter} (${rt.gpu.info.backend}${cpu ? ', CPU rasterizer' : ''}); mode: ${args.quick ? 'quick' : 'full'}`);
  let peer: Peer | null = null;
  let torch: TorchPeer | null = null;
  const recs: BenchRecord[] = [];
  try {
    if (args.peer) {
      try {
        peer = await setupPeer(rt.device, args.peerDevice);
        console.log(`peer: ${PEER_NAME} (${args.peerDevice === 'shared' ? 'on our GPUDevice' : 'own Dawn instance'})`);
      } catch (e) {
        console.log(`peer unavailable: ${(e as Error).message}`);
      }
    }
    if (args.torch) {
      try {
        torch = setupTorchPeer(args.torchDevice ?? (cpu ? 'cpu' : 'auto'), args.torchThreads);
        console.log(`peer: ${torch.name} (python3 subprocess)`);
      } catch (e) {
        console.log(`torch peer unavailable: ${(e as Error).message}`);
      }
    }
    if (args.variants) {
      const { VARIANT_CASES, variantTable } = await import('../variants/matmul.ts');
      const cases = VARIANT_CASES.filter((c) => !args.quick || c.M * c.N * c.K <= 512 ** 3);
      console.log(await variantTable(cases, undefined, args.quick));
    }
    const date = new Date().toISOString();
    const rows = benchRows({ quick: args.quick, cpu }).filter((r) => !args.filter || args.filter.test(`${r.op} ${r.shape}`));
    for (const row of rows) {
      const r0 = performance.now();
      const rec = await runRow(row, peer, torch, adapter, date);
      recs.push(rec);
      const spent = ((performance.now() - r0) / 1000).toFixed(1);
      const timing = rec.ms != null
        ? `${fmtNum(rec.ms)} ms${rec.peer === PEER_NAME && rec.peer_ms != null ? `, tfjs ${fmtNum(rec.peer_ms)} ms` : ''}${rec.torch_ms != null ? `, torch ${fmtNum(rec.torch_ms)} ms` : ''}`
        : '';
      console.log(`  ${rec.op} ${rec.shape}: ${[timing, rec.note].filter(Boolean).join('; ')} (${spent} s with warm-up)`);
    }
  } finally {
    await peer?.dispose();
    await shutdown();
  }
  console.log('\n' + renderTable(recs));
  const here = dirname(fileURLToPath(import.meta.url));
  const outDir = args.out ? resolve(args.out) : join(here, '..', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${adapterSlug(adapter)}.json`);
  // A run replaces its own rows and keeps the others (each record has its date), so a --quick or
  // --filter run does not drop rows measured by a full one.
  let out = recs;
  if (existsSync(file)) {
    const prev = JSON.parse(readFileSync(file, 'utf8')) as BenchRecord[];
    const key = (r: BenchRecord) => `${r.op} ${r.shape}`;
    const fresh = new Map(recs.map((r) => [key(r), r]));
    out = prev.map((r) => fresh.get(key(r)) ?? r);
    for (const r of recs) if (!prev.some((p) => key(p) === key(r))) out.push(r);
  }
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? `error: ${e.message}` : e); // a bad flag needs no stack
  process.exitCode = 1;
});
