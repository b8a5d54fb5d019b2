// Axis ticks a person reads: round steps on linear axes; on log axes whole decades (1, 10, 100 or
// 0.001, 0.01), falling back to 1-2-5 and then 1..9 steps only where the data spans less than that.

/** Round ticks (steps of 1, 2 or 5 × 10^k) inside [lo, hi], at most about `n` of them. */
export function linearTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice) out.push(+v.toPrecision(12));
  return out;
}

/** The mantissas each fallback level ticks at, from sparsest to densest. */
const LEVELS = [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];
const MAX_DECADE_TICKS = 8;

function ticksAt(mantissas: number[], lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++)
    for (const m of mantissas) {
      const v = +(m * 10 ** e).toPrecision(12);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  return out;
}

/**
 * Ticks of a log axis over the positive range [lo, hi] and the axis range itself: decades where at
 * least two fall inside (every k-th one when there are many), else the first denser level with two;
 * a range narrower than that is widened to the neighbouring 1..9 ticks.
 */
export function logTicks(lo: number, hi: number): { ticks: number[]; lo: number; hi: number } {
  if (!(lo > 0) || !(hi > 0)) throw new Error(`logTicks: a log axis needs positive values (got ${lo} .. ${hi})`);
  if (hi < lo) [lo, hi] = [hi, lo];
  for (const level of LEVELS) {
    let ticks = ticksAt(level, lo, hi);
    if (ticks.length < 2) continue;
    if (level.length === 1 && ticks.length > MAX_DECADE_TICKS) {
      const every = Math.ceil(ticks.length / MAX_DECADE_TICKS);
      ticks = ticks.filter((t) => Math.round(Math.log10(t)) % every === 0);
    }
    return { ticks, lo, hi };
  }
  // Less than one 1..9 step: widen to the ticks on either side.
  const all = ticksAt(LEVELS[2]!, lo / 10, hi * 10);
  const below = all.filter((t) => t <= lo).at(-1) ?? lo;
  const above = all.find((t) => t >= hi && t > below) ?? hi;
  return { ticks: [below, above], lo: below, hi: above };
}

/** A tick label written plainly: 0.001, 20, 1000; exponents only for the very small or large. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) return String(+v.toPrecision(6));
  return v.toExponential(0).replace('e+', 'e');
}
