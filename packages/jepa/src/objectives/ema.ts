// Exponential moving average of a module's weights (BYOL, I-JEPA, data2vec's teacher):
// target ← m·target + (1 − m)·source after each optimizer step, with the momentum m on a schedule
// from `start` to `end` over the run (I-JEPA ramps 0.996 → 1 linearly).
import type { Module } from '@jepa/nn';
import { add, mul, noGrad } from '@jepa/tensor';

export type EmaSchedule = 'constant' | 'linear' | 'cosine';

export interface EmaMomentum {
  start: number;
  end: number;
  schedule: EmaSchedule;
}

/** Momentum for the update after step `step` (0-based) of `total`. */
export function emaMomentum(step: number, total: number, o: EmaMomentum): number {
  const f = Math.min(1, Math.max(0, step / Math.max(1, total)));
  if (o.schedule === 'constant') return o.start;
  if (o.schedule === 'linear') return o.start + (o.end - o.start) * f;
  // BYOL's cosine: slow change early, converging on `end`.
  return o.end - ((o.end - o.start) * (Math.cos(Math.PI * f) + 1)) / 2;
}

/** target ← m·target + (1 − m)·source for every f32 parameter and buffer, matched by name. */
export function emaUpdate(target: Module, source: Module, m: number): void {
  if (!(m >= 0 && m <= 1)) throw new Error(`emaUpdate: momentum must be in [0, 1], got ${m}`);
  const src = source.stateDict();
  const dst = target.stateDict();
  // Check every pair before changing anything.
  for (const name of src.keys()) if (!dst.has(name)) throw new Error(`emaUpdate: target has no "${name}"`);
  for (const [name, t] of dst) {
    const s = src.get(name);
    if (!s) throw new Error(`emaUpdate: source has no "${name}"`);
    if (s.dtype !== t.dtype || s.shape.join() !== t.shape.join()) {
      throw new Error(
        `emaUpdate: "${name}" is ${t.dtype}[${t.shape.join(', ')}] in the target but ${s.dtype}[${s.shape.join(', ')}] in the source`,
      );
    }
  }
  if (m === 1) return;
  noGrad(() => {
    for (const [name, t] of dst) {
      const s = src.get(name)!;
      if (t.dtype !== 'f32') {
        t.assign(s, name); // integer buffers (counters) are copied, not averaged
        continue;
      }
      const next = add(mul(t, m), mul(s, 1 - m));
      t.assign(next, `EMA of ${name}`);
      next.dispose();
    }
  });
}
