// Matmul variants on one adapter: every variant (production and benchmarks/variants/) over a set of
// shapes, and with --sweep every block of subgroupShared or registerVec4: the tables that justify
// chooseMatmul, SG_CONFIGS and REG_CONFIG. subgroupShared runs at the adapter's subgroup width: run
// the harness with LP_NATIVE_VECTOR_WIDTH=512 on an AVX-512 CPU for its 16-lane kernel.
import { chooseMatmul, forceVariant, matmul, runtime } from '@jepa/kernels';
import { registerVariant, SG_CONFIGS, SG_WIDTHS, type SgConfig } from '@jepa/kernels/variants';
import { randData } from '../src/data.ts';
import { fmtNum, gflops, table, timeAsync } from '../src/timing.ts';
import { REG_CONFIG, registerPlan, type RegConfig } from './matmul-register.ts';
import { MATMUL_ALL } from './register.ts';

export interface MmCase {
  name: string;
  batch: number;
  M: number;
  N: number;
  K: number;
  /** 'nn': A [M,K], B [K,N]; 'nt': B given as [N,K] (linear); 'tn': A given as [K,M] (weight grads) */
  layout?: 'nn' | 'nt' | 'tn';
  bias?: boolean;
  gelu?: boolean;
}

export function caseStrides(c: MmCase): { a: [number, number, number]; b: [number, number, number] } {
  const { M, N, K } = c;
  const lay = c.layout ?? 'nn';
  return {
    a: lay === 'tn' ? [M * K, 1, M] : [M * K, K, 1],
    b: lay === 'nt' ? [K * N, 1, K] : [K * N, N, 1],
  };
}

export interface MmBuffers {
  a: GPUBuffer;
  b: GPUBuffer;
  out: GPUBuffer;
  bias: GPUBuffer;
  free(): void;
}

export function mmBuffers(c: MmCase): MmBuffers {
  const rt = runtime();
  const up = (n: number, seed: number) => {
    const buf = rt.alloc(Math.max(4, n * 4));
    rt.write(buf, 0, randData(n, seed));
    return buf;
  };
  const a = up(c.batch * c.M * c.K, 1),
    b = up(c.batch * c.K * c.N, 2),
    bias = up(c.N, 3);
  const out = rt.alloc(Math.max(4, c.batch * c.M * c.N * 4));
  return { a, b, out, bias, free: () => [a, b, out, bias].forEach((x) => rt.free(x)) };
}

/** One matmul of case `c` on `variant` (the adapter's choice when omitted). */
export function runCase(c: MmCase, bufs: MmBuffers, variant?: string, sgConfig?: SgConfig): void {
  const s = caseStrides(c);
  forceVariant('matmul', variant ?? null);
  try {
    matmul({
      a: bufs.a,
      b: bufs.b,
      out: bufs.out,
      batch: c.batch,
      M: c.M,
      N: c.N,
      K: c.K,
      aStrides: s.a,
      bStrides: s.b,
      bias: c.bias ? bufs.bias : undefined,
      gelu: c.gelu,
      sgConfig,
    });
  } finally {
    forceVariant('matmul', null);
  }
}

export const flopsOf = (c: MmCase) => 2 * c.batch * c.M * c.N * c.K;

export function shapeLabel(c: MmCase): string {
  return `${c.batch > 1 ? `${c.batch}×` : ''}${c.M}×${c.K}×${c.N}${c.layout && c.layout !== 'nn' ? ` ${c.layout}` : ''}${c.bias ? '+b' : ''}${c.gelu ? '+gelu' : ''}`;
}

export const VARIANT_CASES: MmCase[] = [
  { name: 'sq256', batch: 1, M: 256, N: 256, K: 256 },
  { name: 'sq512', batch: 1, M: 512, N: 512, K: 512 },
  { name: 'sq1024', batch: 1, M: 1024, N: 1024, K: 1024 },
  { name: 'bert-qkv', batch: 1, M: 1024, N: 768, K: 768, layout: 'nt', bias: true },
  { name: 'bert-up', batch: 1, M: 1024, N: 3072, K: 768, layout: 'nt', bias: true, gelu: true },
  { name: 'bert-down', batch: 1, M: 1024, N: 768, K: 3072, layout: 'nt', bias: true },
  { name: 'bert-dW', batch: 1, M: 768, N: 768, K: 1024, layout: 'tn' },
  // bert-tiny's linears at 32×32 tokens (hidden 128, FFN 512): the jepa-tiny step's matmuls.
  { name: 'tiny-qkv', batch: 1, M: 1024, N: 128, K: 128, layout: 'nt', bias: true },
  { name: 'tiny-up', batch: 1, M: 1024, N: 512, K: 128, layout: 'nt', bias: true, gelu: true },
  { name: 'tiny-down', batch: 1, M: 1024, N: 128, K: 512, layout: 'nt', bias: true },
  { name: 'tiny-dX', batch: 1, M: 1024, N: 128, K: 512 },
  { name: 'tiny-dW', batch: 1, M: 128, N: 512, K: 1024, layout: 'tn' },
  { name: 'attn-qk', batch: 24, M: 128, N: 128, K: 64, layout: 'nt' },
  { name: 'attn-pv', batch: 24, M: 128, N: 64, K: 128 },
  { name: 'odd', batch: 3, M: 130, N: 65, K: 33 },
  { name: 'skinny', batch: 1, M: 4096, N: 2, K: 768, layout: 'nt' },
  { name: 'matvec', batch: 1, M: 1, N: 3072, K: 768 },
];

export const SWEEP: RegConfig[] = [
  { R: 4, C: 4, LX: 4, LY: 2 },
  { R: 8, C: 8, LX: 4, LY: 2 },
  { R: 8, C: 16, LX: 4, LY: 2 },
  { R: 16, C: 8, LX: 4, LY: 2 },
  { R: 16, C: 16, LX: 4, LY: 2 },
  { R: 16, C: 16, LX: 8, LY: 1 },
];

/** subgroupShared blocks; those whose R is not a multiple of the subgroup width are left out. */
export const SG_SWEEP: SgConfig[] = [
  { R: 8, C: 4 },
  { R: 16, C: 4 },
  { R: 16, C: 8 },
  { R: 24, C: 4 },
  { R: 32, C: 4 },
  { R: 32, C: 8 },
  { R: 48, C: 4 },
  { R: 64, C: 4 },
  { R: 64, C: 8 },
  { R: 96, C: 4 },
];

/** The adapter's subgroup width if subgroupShared runs at it, else null. */
const sgWidth = (): number | null => {
  const S = runtime().gpu.info.subgroupSize;
  return S !== null && SG_WIDTHS.includes(S) ? S : null;
};

export interface CaseTiming {
  ms: number;
  /** process CPU ms per run (the least of the runs: the machine is shared) */
  cpuMs: number;
  /** the first (compiling) run */
  firstMs: number;
}

/** GFLOP/s on an idle machine, from CPU time: the machine is shared, wall time is not reliable. */
export const cpuGflops = (flops: number, t: CaseTiming, threads: number) => flops / (t.cpuMs / threads) / 1e6;

export async function timeCase(
  c: MmCase,
  bufs: MmBuffers,
  variant: string,
  sg?: SgConfig,
  quick = false,
): Promise<CaseTiming> {
  const rt = runtime();
  const t0 = performance.now();
  runCase(c, bufs, variant, sg);
  await rt.sync();
  const firstMs = performance.now() - t0;
  const t = await timeAsync(
    async () => {
      runCase(c, bufs, variant, sg);
      await rt.sync();
    },
    { warmup: 0, reps: quick ? 3 : 5, minReps: quick ? 1 : 3, budgetMs: quick ? 1500 : 4000 },
  );
  return { ms: t.median, cpuMs: t.cpuMin, firstMs };
}

/** llvmpipe's worker threads (LP_NUM_THREADS, else one per core). */
export const lpThreads = () =>
  Number(process.env.LP_NUM_THREADS) ||
  (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ||
  2;

export async function variantTable(
  cases: MmCase[],
  variants: readonly string[] = MATMUL_ALL,
  quick = false,
): Promise<string> {
  const rt = runtime();
  const sgOk = sgWidth() !== null;
  // CPU time measures the kernels only where the adapter is the CPU; on a GPU rank by wall time.
  const onCpu = rt.gpu.info.isCpu;
  const th = lpThreads();
  const rows: (string | number)[][] = [];
  for (const c of cases) {
    const bufs = mmBuffers(c);
    const row: (string | number)[] = [shapeLabel(c)];
    let best = '',
      bestG = 0;
    for (const v of variants) {
      if (v === 'subgroupShared' && !sgOk) {
        row.push('n/a');
        continue;
      }
      const t = await timeCase(c, bufs, v, undefined, quick);
      const wall = gflops(flopsOf(c), t.ms);
      const g = onCpu ? cpuGflops(flopsOf(c), t, th) : wall;
      if (g > bestG) {
        bestG = g;
        best = v;
      }
      row.push(
        onCpu
          ? `${fmtNum(wall)} / ${fmtNum(g)} (${fmtNum(t.firstMs, 0)}ms)`
          : `${fmtNum(wall)} (${fmtNum(t.firstMs, 0)}ms)`,
      );
    }
    row.push(best, chooseMatmul(c, rt.gpu.info));
    rows.push(row);
    bufs.free();
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  const head = onCpu
    ? `GFLOP/s from wall time / from CPU time ÷ ${th} threads (first, compiling run)\n`
    : 'GFLOP/s from wall time (first, compiling run)\n';
  return head + table(['shape (batch×M×K×N)', ...variants, 'best', 'chosen'], rows);
}

export async function sweepTable(
  cases: MmCase[],
  variant: 'registerVec4' | 'subgroupShared',
  pick?: number[],
): Promise<string> {
  const th = lpThreads();
  const rows: (string | number)[][] = [];
  const W = sgWidth();
  if (variant === 'subgroupShared' && W === null)
    throw new Error(
      `sweep subgroupShared: needs subgroups of ${SG_WIDTHS.join(' or ')}, got ${runtime().gpu.info.subgroupSize ?? 'none'}`,
    );
  const list: (RegConfig | SgConfig)[] = variant === 'subgroupShared' ? SG_SWEEP : SWEEP;
  for (const [n, cfg] of list.entries()) {
    if (pick && !pick.includes(n)) continue;
    if (variant === 'subgroupShared' && (cfg as SgConfig).R % W!) continue;
    const reg = variant === 'registerVec4' ? (cfg as RegConfig) : undefined;
    const sg = variant === 'subgroupShared' ? (cfg as SgConfig) : undefined;
    const cur = variant === 'subgroupShared' ? SG_CONFIGS[W!] : REG_CONFIG.registerVec4;
    // A register block runs as its own variant name.
    const name = reg ? `registerVec4:${reg.R}x${reg.C}x${reg.LX}x${reg.LY}` : variant;
    if (reg) registerVariant('matmul', name, registerPlan('registerVec4', reg));
    const isCur = JSON.stringify(cur) === JSON.stringify(cfg);
    const label = reg ? `R${reg.R} C${reg.C} lanes ${reg.LX}×${reg.LY}` : `R${sg!.R} C${sg!.C}`;
    const row: (string | number)[] = [`${n}: ${label}${isCur ? ' *' : ''}`];
    for (const c of cases) {
      const bufs = mmBuffers(c);
      const t = await timeCase(c, bufs, name, sg);
      row.push(
        `${fmtNum(gflops(flopsOf(c), t.ms))} / ${fmtNum(cpuGflops(flopsOf(c), t, th))} (${fmtNum(t.firstMs, 0)})`,
      );
      bufs.free();
    }
    rows.push(row);
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  return (
    `${variant} block sweep${W && variant === 'subgroupShared' ? ` (${W} lanes)` : ''}, GFLOP/s wall / CPU-time based (first run ms)\n` +
    table([`${variant} block`, ...cases.map(shapeLabel)], rows)
  );
}

/** `pnpm bench:variants matmul [--quick] [--sweep [--configs 0,2]] [--variants a,b] [--cases sq512,...]` */
export async function matmulHarness(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const vi = args.indexOf('--variants');
  const variants = vi >= 0 ? args[vi + 1].split(',') : MATMUL_ALL;
  const ci = args.indexOf('--cases');
  const names = ci >= 0 ? args[ci + 1].split(',') : null;
  if (args.includes('--sweep')) {
    const sc = VARIANT_CASES.filter((c) => (names ?? ['sq512', 'sq1024', 'bert-up', 'attn-qk']).includes(c.name));
    const ri = args.indexOf('--configs');
    const pick = ri >= 0 ? args[ri + 1].split(',').map(Number) : undefined;
    console.log(await sweepTable(sc, variants.includes('registerVec4') ? 'registerVec4' : 'subgroupShared', pick));
  } else {
    const cases = VARIANT_CASES.filter((c) =>
      names ? names.includes(c.name) : !quick || c.M * c.N * c.K <= 1024 ** 3,
    );
    console.log(await variantTable(cases, variants, quick));
  }
}
