// pnpm bench [--quick] [--filter REGEX] [--rounds N] [--no-peer] [--peer-device shared|own] [--no-torch]
//            [--torch-device auto|cpu|cuda] [--torch-threads N] [--out DIR] [--variants]
// (--variants: the matmul variant table first; every op's variants: pnpm bench:variants)
// Kernel/op micro-benchmarks and training steps on the default adapter, side by side with
// @tensorflow/tfjs-backend-webgpu on the same Dawn adapter in this process, and with PyTorch in a
// python3 subprocess kept warm between rounds (torch-peer.ts; CPU when our adapter is a CPU
// rasterizer, else CUDA if it has one). Each side is warmed up, then the sides alternate for
// >= 5 rounds of 3 runs each (rounds.ts), each run waited for on the queue (onSubmittedWorkDone;
// no readback on either side); a ratio is the median of the per-round ratios, with their min–max.
// Prints a table and writes benchmarks/results/<adapter-slug>.json (or $OUT/<slug>.json).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { init, runtime, shutdown } from '@jepa/kernels';
import { ConfigError, parseOptions } from '@jepa/jepa';
import { PEER_NAME, setupPeer, type Peer, type TfTensor } from './peer.ts';
import { benchRows, type BenchRow } from './rows.ts';
import { setupTorchPeer, type TorchDevice, type TorchPeer } from './torch-peer.ts';
import { SPREAD_LIMIT, ratioStats, roundOrder, type RatioStats } from './rounds.ts';
import { fmtNum, gbps, gflops, median, table } from './timing.ts';

export interface BenchRecord {
  op: string;
  shape: string;
  ms: number | null;
  gflops?: number | null;
  gbps?: number | null;
  peer: string | null;
  peer_ms: number | null;
  /** median over rounds of peer ms / our ms within the round, and its min–max over the rounds */
  ratio: number | null;
  ratio_min?: number;
  ratio_max?: number;
  /** rounds in which ours and the peers alternated (the row's runs per round each) */
  rounds?: number;
  /** the 1-minute load average when the row started and when it ended */
  load?: [number, number];
  /** our median GPU time (sum of compute-pass timestamps), where the adapter offers timestamp queries */
  gpu_ms?: number | null;
  /** PyTorch on the same work (rows without a tfjs peer also name it as `peer`) */
  torch?: string;
  torch_ms?: number | null;
  /** torch_ms / ms: > 1 means we are faster */
  torch_ratio?: number | null;
  torch_ratio_min?: number;
  torch_ratio_max?: number;
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
  rounds: number;
}

/** Rounds of ours and each peer, alternating (at least 5: what makes a ratio believable is its spread). */
const MIN_ROUNDS = 5;

const HELP = `usage: pnpm bench [options]
Times our kernels and training steps beside tfjs-backend-webgpu (same process, same device) and
PyTorch (a python3 subprocess), alternating the sides in rounds; prints a table of ratios (peer ms /
our ms, median and min–max over rounds) and writes benchmarks/results/<adapter>.json.

  --quick                      the small shapes only (about a minute on a CPU adapter)
  --filter REGEX               only the rows whose "op shape" matches (case-insensitive)
  --rounds N                   rounds of ours and the peers, alternating (default ${MIN_ROUNDS}, at least ${MIN_ROUNDS})
  --no-peer                    without tfjs
  --peer-device shared|own     tfjs on our GPUDevice (default) or on its own Dawn instance
  --no-torch                   without PyTorch
  --torch-device auto|cpu|cuda where PyTorch runs (default: cpu on a CPU adapter, else auto)
  --torch-threads N            PyTorch's CPU threads (default: the cores)
  --variants                   the matmul variant table first (every op's: pnpm bench:variants)
  --out DIR                    where the JSON goes (default benchmarks/results, or $OUT)
  --help                       this`;

// Every flag is checked: an unknown one or a stray word is an error with a "did you mean".
function parseArgs(argv: string[]): Args | null {
  const o = parseOptions('pnpm bench', argv, {
    quick: 'bool',
    filter: 'str',
    noPeer: 'bool',
    peerDevice: ['shared', 'own'],
    out: 'str',
    variants: 'bool',
    noTorch: 'bool',
    torchDevice: ['auto', 'cpu', 'cuda'],
    torchThreads: 'pos',
    rounds: 'pos',
    help: 'bool',
  });
  if (o.help) return null;
  const rounds = o.rounds !== undefined ? Number(o.rounds) : MIN_ROUNDS;
  if (rounds < MIN_ROUNDS)
    throw new ConfigError(`--rounds: at least ${MIN_ROUNDS} (a spread needs rounds), got ${rounds}`);
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
    rounds,
  };
}

export function adapterSlug(adapter: string): string {
  return (
    adapter
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'unknown'
  );
}

/** Timed runs per side and round unless the row says otherwise; their median is the round's time. */
const RUNS_PER_ROUND = 3;

/** One side of a row, warmed up; each call times `reps` runs (wall ms and process CPU ms). */
interface Side {
  name: 'ours' | 'tfjs' | 'torch';
  time(reps: number): Promise<{ runs: number[]; cpu: number[] }>;
  close(): Promise<void> | void;
}

/** Times `run` + `finish` (the device idle again) per run; `cleanup` frees what a run returned. */
function wallSide<O>(
  name: Side['name'],
  run: () => O,
  finish: () => Promise<void>,
  cleanup: (o: O) => void,
  close: () => void,
): Side {
  return {
    name,
    async time(reps) {
      const runs: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < reps; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const o = run();
        await finish();
        runs.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        cleanup(o);
      }
      return { runs, cpu };
    },
    close,
  };
}

/**
 * Median GPU time of our runs from timestamp queries (separate runs from the wall-clock ones, so
 * the queries cost those nothing); null where the adapter has no timestamp-query.
 */
async function gpuTime<O>(run: () => O, cleanup: (o: O) => void, reps = MIN_ROUNDS): Promise<number | null> {
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

const firstLine = (e: unknown) => String((e as Error).message ?? e).split('\n')[0];

/**
 * One row: ours, tfjs and PyTorch each warmed up, then `rounds` rounds in which each side times
 * `row.reps` runs (the order reversed every other round); ratios are taken within a round. A peer that fails is
 * a finding about the peer (the row's note), not a reason to lose the row.
 */
async function runRow(
  row: BenchRow,
  peer: Peer | null,
  torch: TorchPeer | null,
  adapter: string,
  date: string,
  rounds: number,
): Promise<BenchRecord> {
  const tfjs = peer && row.peer ? peer : null;
  const rec: BenchRecord = {
    op: row.op,
    shape: row.shape,
    ms: null,
    peer: tfjs ? PEER_NAME : null,
    peer_ms: null,
    ratio: null,
    adapter,
    date,
    rounds,
  };
  const notes: string[] = [];
  const load0 = loadavg()[0];
  const rt = runtime();
  const sides: Side[] = [];
  const per = new Map<Side['name'], { round: number[]; runs: number[]; cpu: number[] }>();
  try {
    const ours = row.ours();
    const oursSide = wallSide(
      'ours',
      () => ours.run(),
      () => rt.sync(),
      disposeOurs,
      () => ours.dispose(),
    );
    sides.push(oursSide);
    await oursSide.time(1); // warm-up: pipelines compiled, buffer pool filled
    const peerSkip = row.peerSkip?.();
    if (peerSkip) notes.push(`peer skipped: ${peerSkip}`);
    if (tfjs && row.peer && !peerSkip) {
      try {
        const { tf } = tfjs;
        const pc = row.peer(tf);
        const side = wallSide(
          'tfjs',
          () => tf.tidy(() => pc.run()) as TfTensor | TfTensor[],
          () => tfjs.finish(),
          (o) => tf.dispose(o),
          () => pc.dispose(),
        );
        sides.push(side);
        await side.time(1);
      } catch (e) {
        notes.push(`peer failed: ${firstLine(e)}`);
        await sides.pop()?.close();
      }
    }
    if (torch && row.torch) {
      rec.torch = torch.name;
      try {
        const c = await torch.open(row.torch); // built and warmed up in the peer's process
        sides.push({ name: 'torch', time: (reps) => c.time(reps), close: () => c.close().catch(() => undefined) });
      } catch (e) {
        notes.push(`torch failed: ${firstLine(e)}`);
      }
    }
    for (const s of sides) per.set(s.name, { round: [], runs: [], cpu: [] });
    for (let r = 0; r < rounds; r++) {
      for (const side of roundOrder(sides, r)) {
        if (!per.has(side.name)) continue; // a peer that failed in an earlier round
        try {
          const t = await side.time(row.reps ?? RUNS_PER_ROUND);
          const p = per.get(side.name)!;
          p.round.push(median(t.runs));
          p.runs.push(...t.runs);
          p.cpu.push(...t.cpu);
        } catch (e) {
          if (side.name === 'ours') throw e;
          notes.push(`${side.name === 'tfjs' ? 'peer' : 'torch'} failed: ${firstLine(e)}`);
          per.delete(side.name);
        }
      }
    }
    if (row.gpuTime !== false) rec.gpu_ms = await gpuTime(() => ours.run(), disposeOurs);
  } finally {
    for (const s of sides) await s.close();
  }
  const o = per.get('ours')!;
  rec.ms = median(o.runs);
  rec.cpu_ms = median(o.cpu);
  if (row.flops) rec.gflops = gflops(row.flops, rec.ms);
  if (row.bytes) rec.gbps = gbps(row.bytes, rec.ms);
  if (row.tokens) rec.tokens_per_s = (row.tokens * 1000) / rec.ms;
  const t = per.get('torch');
  if (t) {
    const st = ratioStats(o.round, t.round);
    rec.torch_ms = median(t.runs);
    rec.torch_cpu_ms = median(t.cpu);
    Object.assign(rec, { torch_ratio: st.ratio, torch_ratio_min: st.min, torch_ratio_max: st.max });
    if (st.unstable) notes.push(`torch/ours spread ${fmtSpread(st)} over ${rounds} rounds`);
    if (row.tokens) rec.torch_tokens_per_s = (row.tokens * 1000) / rec.torch_ms;
    if (!row.peer)
      Object.assign(rec, {
        peer: torch!.name,
        peer_ms: rec.torch_ms,
        ratio: st.ratio,
        ratio_min: st.min,
        ratio_max: st.max,
      });
  }
  const p = per.get('tfjs');
  if (p) {
    const st = ratioStats(o.round, p.round);
    Object.assign(rec, { peer_ms: median(p.runs), ratio: st.ratio, ratio_min: st.min, ratio_max: st.max });
    if (st.unstable) notes.push(`tfjs/ours spread ${fmtSpread(st)} over ${rounds} rounds`);
  }
  rec.load = [load0, loadavg()[0]];
  if (notes.length) rec.note = notes.join('; ');
  return rec;
}

const fmtLoad = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
const fmtSpread = (st: RatioStats) => `${fmtNum(st.min)}–${fmtNum(st.max)}× (${(st.spread * 100).toFixed(0)} %)`;

export function renderTable(recs: BenchRecord[]): string {
  const notes: string[] = [];
  const x = (v: number | null | undefined) => (v != null ? `${fmtNum(v)}×` : '-');
  // The ratio with its spread over rounds; '!' where the spread passes SPREAD_LIMIT.
  const xr = (v: number | null | undefined, lo?: number, hi?: number) => {
    if (v == null) return '-';
    if (lo === undefined || hi === undefined) return x(v);
    return `${fmtNum(v)}× (${fmtNum(lo)}–${fmtNum(hi)})${(hi - lo) / v > SPREAD_LIMIT ? ' !' : ''}`;
  };
  const body = table(
    [
      'op',
      'shape',
      'ours ms',
      'GPU ms',
      'rate',
      'tfjs ms',
      'tfjs/ours (min–max)',
      'torch ms',
      'torch/ours (min–max)',
      'CPU-time torch/ours',
    ],
    recs.map((r) => {
      const rate =
        r.gflops != null
          ? `${fmtNum(r.gflops)} GFLOP/s`
          : r.gbps != null
            ? `${fmtNum(r.gbps)} GB/s`
            : r.tokens_per_s != null
              ? `${fmtNum(r.tokens_per_s)} tok/s`
              : '-';
      if (r.note) notes.push(`[${notes.length + 1}] ${r.op} ${r.shape}: ${r.note}`);
      const mark = r.note ? ` [${notes.length}]` : '';
      const tfjs = r.peer === PEER_NAME;
      return [
        r.op,
        r.shape + mark,
        fmtNum(r.ms),
        fmtNum(r.gpu_ms),
        rate,
        tfjs ? fmtNum(r.peer_ms) : '-',
        tfjs ? xr(r.ratio, r.ratio_min, r.ratio_max) : '-',
        fmtNum(r.torch_ms),
        xr(r.torch_ratio, r.torch_ratio_min, r.torch_ratio_max),
        x(r.torch_cpu_ms != null && r.cpu_ms ? r.torch_cpu_ms / r.cpu_ms : null),
      ];
    }),
  );
  const legend = `ratios: peer ms / ours ms within each round (above 1×: we are faster), median and min–max over the rounds; ! = spread over ${SPREAD_LIMIT * 100} %`;
  return [body, legend, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args) return void console.log(HELP);
  const t0 = performance.now();
  await init();
  const rt = runtime();
  const adapter = rt.gpu.info.adapter;
  const cpu = rt.gpu.info.isCpu;
  const load0 = loadavg();
  console.log(
    `adapter: ${adapter} (${rt.gpu.info.backend}${cpu ? ', CPU rasterizer' : ''}); mode: ${args.quick ? 'quick' : 'full'}; ${args.rounds} rounds`,
  );
  console.log(`load average at start: ${fmtLoad(load0)}`);
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
    const rows = benchRows({ quick: args.quick, cpu }).filter(
      (r) => !args.filter || args.filter.test(`${r.op} ${r.shape}`),
    );
    for (const row of rows) {
      const r0 = performance.now();
      const rec = await runRow(row, peer, torch, adapter, date, args.rounds);
      recs.push(rec);
      const spent = ((performance.now() - r0) / 1000).toFixed(1);
      const timing =
        rec.ms != null
          ? `${fmtNum(rec.ms)} ms${rec.peer === PEER_NAME && rec.peer_ms != null ? `, tfjs ${fmtNum(rec.peer_ms)} ms` : ''}${rec.torch_ms != null ? `, torch ${fmtNum(rec.torch_ms)} ms` : ''}`
          : '';
      console.log(
        `  ${rec.op} ${rec.shape}: ${[timing, rec.note].filter(Boolean).join('; ')} (${spent} s with warm-up; load ${rec.load?.map((v) => v.toFixed(1)).join(' → ')})`,
      );
    }
  } finally {
    torch?.dispose();
    await peer?.dispose();
    await shutdown();
  }
  console.log(`\n${renderTable(recs)}`);
  console.log(`load average at start: ${fmtLoad(load0)}; at end: ${fmtLoad(loadavg())}`);
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
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nwrote ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e instanceof ConfigError ? `error: ${e.message}` : e); // a bad flag needs no stack
  process.exitCode = 1;
});
