import { describe, expect, it } from 'vitest';
import { constantSchedule, cosineSchedule, linearSchedule, makeSchedule } from '../src/index.ts';

describe('learning-rate schedules', () => {
  it('constant, with and without warmup', () => {
    const s = constantSchedule({ lr: 0.1 });
    expect([0, 1, 1000].map(s)).toEqual([0.1, 0.1, 0.1]);
    const w = constantSchedule({ lr: 0.1, warmup: 4 });
    expect([0, 1, 2, 3, 4, 99].map(w).map((x) => +x.toFixed(6))).toEqual([0.025, 0.05, 0.075, 0.1, 0.1, 0.1]);
  });

  it('linear warmup then linear decay to zero at total', () => {
    const s = linearSchedule({ lr: 1, warmup: 2, total: 12 });
    expect(s(0)).toBeCloseTo(0.5);
    expect(s(1)).toBeCloseTo(1);
    expect(s(2)).toBeCloseTo(1);
    expect(s(7)).toBeCloseTo(0.5);
    expect(s(12)).toBeCloseTo(0);
    expect(s(50)).toBeCloseTo(0);
    expect(linearSchedule({ lr: 1, total: 10, minRatio: 0.1 })(10)).toBeCloseTo(0.1);
  });

  it('cosine decays along a half cosine to minRatio', () => {
    const s = cosineSchedule({ lr: 2, warmup: 0, total: 100, minRatio: 0.1 });
    expect(s(0)).toBeCloseTo(2);
    expect(s(50)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5));
    expect(s(100)).toBeCloseTo(0.2);
    const vals = Array.from({ length: 101 }, (_, i) => s(i));
    for (let i = 1; i < vals.length; i++) expect(vals[i]).toBeLessThanOrEqual(vals[i - 1]);
  });

  it('by name, with errors that name the problem', () => {
    expect(makeSchedule('cosine', { lr: 1, total: 10 })(0)).toBeCloseTo(1);
    expect(() => linearSchedule({ lr: 1, warmup: 10, total: 5 })).toThrow(
      /total \(5\) must be an integer > warmup \(10\)/,
    );
    expect(() => constantSchedule({ lr: 1, warmup: -1 })).toThrow(/warmup/);
    expect(() => makeSchedule('step' as never, { lr: 1 })).toThrow(/unknown schedule "step"/);
  });
});
