import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng.ts';

const take = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextU32());

describe('Rng (xoshiro128**)', () => {
  it('matches the reference xoshiro128** stream for state {1,2,3,4}', () => {
    expect(take(Rng.fromState([1, 2, 3, 4]), 3)).toEqual([11520, 0, 5927040]);
  });

  it('is reproducible per seed and differs across seeds', () => {
    expect(take(Rng.fromSeed(42), 50)).toEqual(take(Rng.fromSeed(42), 50));
    expect(take(Rng.fromSeed(42), 50)).not.toEqual(take(Rng.fromSeed(43), 50));
    for (const x of take(Rng.fromSeed(7), 1000)) {
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
    }
  });

  it('state() / fromState() continue the exact same stream (also through JSON)', () => {
    const rng = Rng.fromSeed(123);
    take(rng, 17);
    rng.float();
    rng.uniformInt(3, 9);
    const saved = JSON.parse(JSON.stringify(rng.state())) as [number, number, number, number];
    const restored = Rng.fromState(saved);
    const clone = rng.clone();
    const expected = [...take(rng, 20), rng.float(), rng.uniformInt(0, 1000)];
    expect([...take(restored, 20), restored.float(), restored.uniformInt(0, 1000)]).toEqual(expected);
    expect([...take(clone, 20), clone.float(), clone.uniformInt(0, 1000)]).toEqual(expected);
  });

  it('rejects invalid states', () => {
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all-zero/);
    expect(() => Rng.fromState([1, 2, 3, -1])).toThrow(/uint32/);
    expect(() => Rng.fromState([1, 2, 3] as unknown as [number, number, number, number])).toThrow(/four/);
  });

  it('uniformInt covers [lo, hi] uniformly and float() stays in [0, 1)', () => {
    const rng = Rng.fromSeed(1);
    const counts = new Array<number>(7).fill(0);
    const N = 70_000;
    for (let i = 0; i < N; i++) counts[rng.uniformInt(-3, 3) + 3]!++;
    const e = N / 7;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(22.46); // chi-square, 6 dof, p = 0.001
    expect(rng.uniformInt(5, 5)).toBe(5);
    expect(() => rng.uniformInt(2, 1)).toThrow();
    expect(() => rng.uniformInt(0, 1.5)).toThrow();
    let sum = 0;
    for (let i = 0; i < 10_000; i++) {
      const f = rng.float();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
    }
    expect(sum / 10_000).toBeCloseTo(0.5, 1);
  });

  it('shuffle is a seeded permutation', () => {
    const a = Rng.fromSeed(9).shuffle([...Array(20).keys()]);
    expect(Rng.fromSeed(9).shuffle([...Array(20).keys()])).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(a).not.toEqual([...Array(20).keys()]);
  });
});
