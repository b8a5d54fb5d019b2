// Timing helpers: warm-up, then the median of several runs, each waited for on the queue.

export interface Timing {
  median: number;
  min: number;
  runs: number[];
  /** median process CPU time per run (ms, all threads: llvmpipe's workers included) */
  cpuMedian: number;
  cpuMin: number;
}

export interface TimeOptions {
  /** untimed runs first (pipeline compilation, pool warm-up) */
  warmup?: number;
  /** timed runs (at least this many unless the budget runs out after `minReps`) */
  reps?: number;
  minReps?: number;
  /** stop adding runs once this many ms were spent timing */
  budgetMs?: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Time `run` (which must return once the device has finished its work). */
export async function timeAsync(run: () => Promise<void>, opts: TimeOptions = {}): Promise<Timing> {
  const { warmup = 1, reps = 5, minReps = 5, budgetMs = 20_000 } = opts;
  for (let i = 0; i < warmup; i++) await run();
  const runs: number[] = [];
  const cpu: number[] = [];
  let spent = 0;
  while (runs.length < reps && (runs.length < minReps || spent < budgetMs)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runs.push(dt);
    cpu.push((c.user + c.system) / 1000);
    spent += dt;
  }
  return { median: median(runs), min: Math.min(...runs), runs, cpuMedian: median(cpu), cpuMin: Math.min(...cpu) };
}

export const gflops = (flops: number, ms: number): number => flops / ms / 1e6;
export const gbps = (bytes: number, ms: number): number => bytes / ms / 1e6;

/** Fixed-width text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(cells[0]), w.map((x) => '-'.repeat(x)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fmtNum(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(digits);
}
