// Learning-rate schedules: functions from the 0-based step index to the learning rate, so they
// compose and test as plain numbers. Warmup ramps linearly from lr/warmup at step 0 to lr.

export type LrSchedule = (step: number) => number;

export interface ScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  /** Linear warmup steps (0 = none). */
  warmup?: number;
  /** Total steps; decaying schedules reach their floor here. */
  total?: number;
  /** Final lr as a fraction of the peak (default 0). */
  minRatio?: number;
}

export type ScheduleName = 'constant' | 'linear' | 'cosine';

function check(name: string, o: ScheduleOptions, needTotal: boolean): { warmup: number; total: number; min: number } {
  const warmup = o.warmup ?? 0;
  const total = o.total ?? 0;
  if (!(o.lr >= 0)) throw new Error(`${name} schedule: lr must be >= 0, got ${o.lr}`);
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new Error(`${name} schedule: warmup must be an integer >= 0, got ${warmup}`);
  if (needTotal && (!Number.isInteger(total) || total <= warmup)) {
    throw new Error(`${name} schedule: total (${total}) must be an integer > warmup (${warmup})`);
  }
  return { warmup, total, min: o.minRatio ?? 0 };
}

const warm = (step: number, warmup: number) => (step < warmup ? (step + 1) / warmup : 1);

/** lr after warmup, forever. */
export function constantSchedule(o: ScheduleOptions): LrSchedule {
  const { warmup } = check('constant', o, false);
  return (step) => o.lr * warm(step, warmup);
}

/** Linear warmup, then linear decay to minRatio·lr at `total` (HF get_linear_schedule_with_warmup). */
export function linearSchedule(o: ScheduleOptions): LrSchedule {
  const { warmup, total, min } = check('linear', o, true);
  return (step) => {
    if (step < warmup) return o.lr * warm(step, warmup);
    const t = Math.min(1, (step - warmup) / (total - warmup));
    return o.lr * (1 - (1 - min) * t);
  };
}

/** Linear warmup, then half-cosine decay to minRatio·lr at `total`. */
export function cosineSchedule(o: ScheduleOptions): LrSchedule {
  const { warmup, total, min } = check('cosine', o, true);
  return (step) => {
    if (step < warmup) return o.lr * warm(step, warmup);
    const t = Math.min(1, (step - warmup) / (total - warmup));
    return o.lr * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * t)));
  };
}

/** A schedule by name (as in training configs). */
export function makeSchedule(name: ScheduleName, o: ScheduleOptions): LrSchedule {
  switch (name) {
    case 'constant':
      return constantSchedule(o);
    case 'linear':
      return linearSchedule(o);
    case 'cosine':
      return cosineSchedule(o);
    default:
      throw new Error(`makeSchedule: unknown schedule "${name as string}" (constant, linear, cosine)`);
  }
}
