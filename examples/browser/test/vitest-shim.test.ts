// The browser suites' stand-in for vitest (vitest-shim.ts) passes and fails exactly where vitest does.
import { describe, expect, it } from 'vitest';
import { expect as shimExpect } from './vitest-shim.ts';

type Case = [string, (e: typeof expect) => unknown];

const CASES: Case[] = [
  ['toBe same', (e) => e(3).toBe(3)],
  ['toBe other', (e) => e(3).toBe(4)],
  ['toBe -0 vs 0', (e) => e(-0).toBe(0)],
  ['toBe NaN', (e) => e(NaN).toBe(NaN)],
  ['toEqual arrays', (e) => e([1, [2, 3]]).toEqual([1, [2, 3]])],
  ['toEqual arrays differ', (e) => e([1, [2, 3]]).toEqual([1, [2, 4]])],
  ['toEqual undefined props', (e) => e({ a: 1, b: undefined }).toEqual({ a: 1 })],
  ['toEqual typed arrays', (e) => e(new Float32Array([1, 2])).toEqual(new Float32Array([1, 2]))],
  ['toEqual typed vs plain', (e) => e(new Float32Array([1, 2])).toEqual([1, 2])],
  ['not.toEqual', (e) => e({ a: 1 }).not.toEqual({ a: 2 })],
  ['toBeCloseTo default', (e) => e(0.1 + 0.2).toBeCloseTo(0.3)],
  ['toBeCloseTo 5 digits fails', (e) => e(1.0001).toBeCloseTo(1, 5)],
  ['toBeCloseTo 3 digits', (e) => e(1.0001).toBeCloseTo(1, 3)],
  ['toBeLessThan', (e) => e(1).toBeLessThan(2)],
  ['toBeLessThan equal', (e) => e(2).toBeLessThan(2)],
  ['toBeLessThanOrEqual equal', (e) => e(2).toBeLessThanOrEqual(2)],
  ['toBeGreaterThan', (e) => e(1).toBeGreaterThan(2)],
  ['toBeNaN', (e) => e(NaN).toBeNaN()],
  ['not.toBeNull', (e) => e(null).not.toBeNull()],
  ['toContain', (e) => e(['a', 'b']).toContain('b')],
  [
    'toThrow regex',
    (e) =>
      e(() => {
        throw new Error('op: bad shape, got [2]');
      }).toThrow(/bad shape/),
  ],
  [
    'toThrow wrong message',
    (e) =>
      e(() => {
        throw new Error('other');
      }).toThrow(/bad shape/),
  ],
  ['toThrow nothing thrown', (e) => e(() => 1).toThrow()],
  [
    'toThrow string',
    (e) =>
      e(() => {
        throw new Error('a b c');
      }).toThrow('b c'),
  ],
];

function outcome(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

describe('vitest shim (browser suites)', () => {
  it.each(CASES)('%s: passes or fails as vitest does', (_, body) => {
    expect(outcome(() => body(shimExpect as unknown as typeof expect))).toBe(outcome(() => body(expect)));
  });

  it('rejects.toThrow matches a rejected promise and fails on a resolved one', async () => {
    await shimExpect(Promise.reject(new Error('nope'))).rejects.toThrow(/nope/);
    await expect(shimExpect(Promise.resolve(1)).rejects.toThrow()).rejects.toThrow(/resolved/);
  });
});
