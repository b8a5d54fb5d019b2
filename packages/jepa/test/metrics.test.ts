import { describe, expect, it } from 'vitest';
import { averagePrecision, reciprocalRank, type Label } from '../src/eval/ap.ts';
import { cosineScores, cosineSimilarity, dot, l2Normalize, splitRows } from '../src/eval/cosine.ts';
import { metricsFromScores, rerankMetrics } from '../src/eval/rerank.ts';
import { averageRanks, pearson, spearman } from '../src/eval/spearman.ts';
import { expectedRandomAp } from '../src/eval/baselines.ts';

describe('averagePrecision (sklearn average_precision_score semantics)', () => {
  it('groups tied scores into one threshold', () => {
    // One group {0.9, 0.9}: P = 1/2, R = 1/2; then 0.1: P = 2/3, R = 1 -> 0.5*0.5 + 0.5*2/3.
    expect(averagePrecision([0.9, 0.9, 0.1], [1, 0, 1])).toBeCloseTo(7 / 12, 12);
    // The order of tied items does not matter.
    expect(averagePrecision([0.9, 0.9, 0.1], [0, 1, 1])).toBeCloseTo(7 / 12, 12);
    // All tied: a single threshold with P = 1/4, R = 1.
    expect(averagePrecision([0.5, 0.5, 0.5, 0.5], [0, 0, 1, 0])).toBeCloseTo(0.25, 12);
  });

  it('several positives, no ties: mean precision at each positive', () => {
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1])).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
    // sklearn docs example: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333...
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333333333, 9);
    expect(averagePrecision([3, 2, 1], [1, 1, 0])).toBe(1);
    expect(averagePrecision([1, 2, 3], [1, 0, 0])).toBeCloseTo(1 / 3, 12);
  });

  it('no positives -> 0 (as sklearn); bad input throws', () => {
    expect(averagePrecision([1, 2], [0, 0])).toBe(0);
    expect(() => averagePrecision([1, 2], [1])).toThrow(/2 scores but 1 labels/);
    expect(() => averagePrecision([NaN, 2], [1, 0])).toThrow(/NaN/);
    expect(() => averagePrecision([1, 2], [1, 2 as Label])).toThrow(/not 0\/1/);
  });
});

describe('reciprocalRank (MRR@k, pessimistic ties)', () => {
  it('is 1/rank of the best positive', () => {
    expect(reciprocalRank([0.3, 0.9, 0.5], [1, 0, 0])).toBeCloseTo(1 / 3);
    expect(reciprocalRank([0.3, 0.9, 0.5], [1, 0, 1])).toBeCloseTo(1 / 2);
    expect(reciprocalRank([0.99, 0.9, 0.5], [1, 0, 1])).toBe(1);
  });

  it('ranks tied negatives above the positive', () => {
    expect(reciprocalRank([0.9, 0.9, 0.1], [1, 0, 0])).toBe(0.5);
    expect(reciprocalRank([0, 0, 0, 0], [0, 1, 0, 0])).toBe(0.25);
  });

  it('is 0 beyond the cutoff', () => {
    const scores = Array.from({ length: 12 }, (_, i) => 12 - i); // descending
    const at = (r: number): Label[] => scores.map((_, i) => (i === r - 1 ? 1 : 0));
    expect(reciprocalRank(scores, at(10))).toBeCloseTo(0.1);
    expect(reciprocalRank(scores, at(11))).toBe(0);
    expect(reciprocalRank(scores, at(11), 11)).toBeCloseTo(1 / 11);
  });
});

describe('rerankMetrics', () => {
  it('averages AP and RR (x100) over queries with >= 1 positive and >= 1 negative', () => {
    const queries = [
      { query: 'q1', positive: ['a'], negative: ['b', 'c'] },
      { query: 'q2', positive: ['d', 'e'], negative: ['f'] },
      { query: 'all positive', positive: ['g'], negative: [] },
      { query: 'no positive', positive: [], negative: ['h'] },
    ];
    // q1: a ranked 2nd -> AP 1/2, RR 1/2. q2: f, d, e -> AP (1/2 + 2/3)/2, RR 1/2.
    const scores: Record<string, number> = { a: 0.5, b: 0.9, c: 0.1, d: 0.5, e: 0.4, f: 0.8, g: 1, h: 1 };
    const seen: string[] = [];
    const m = rerankMetrics(queries, (q, cands) => {
      seen.push(q);
      return cands.map((c) => scores[c]!);
    });
    expect(seen).toEqual(['q1', 'q2']);
    expect(m.queries).toBe(2);
    expect(m.map).toBeCloseTo((100 * (0.5 + (0.5 + 2 / 3) / 2)) / 2, 10);
    expect(m.mrr10).toBeCloseTo(50, 10);
    expect(() => rerankMetrics(queries, () => [1])).toThrow(/1 scores for 3 candidates/);
  });

  it('reports NaN with 0 queries when nothing is evaluable', () => {
    const m = metricsFromScores([{ scores: [1], labels: [1] }]);
    expect(m.queries).toBe(0);
    expect(m.map).toBeNaN();
  });
});

describe('expectedRandomAp', () => {
  it('matches closed forms and brute force over all orders', () => {
    expect(expectedRandomAp(1, 4)).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4);
    expect(expectedRandomAp(3, 3)).toBeCloseTo(1);
    // Brute force: n = 4, 2 positives -> average AP over the 6 distinct label orders.
    const orders: Label[][] = [
      [1, 1, 0, 0],
      [1, 0, 1, 0],
      [1, 0, 0, 1],
      [0, 1, 1, 0],
      [0, 1, 0, 1],
      [0, 0, 1, 1],
    ];
    const mean = orders.reduce((s, l) => s + averagePrecision([4, 3, 2, 1], l), 0) / orders.length;
    expect(expectedRandomAp(2, 4)).toBeCloseTo(mean, 12);
  });
});

describe('spearman', () => {
  it('uses average ranks for ties', () => {
    expect(averageRanks([10, 20, 20, 30, 20])).toEqual([1, 3, 3, 5, 3]);
    // ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4] -> rho = 4.5 / sqrt(4.5 * 5).
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });

  it('is rank-based, in [-1, 1], NaN for constant input', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 1000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(() => spearman([1, 2], [1])).toThrow(/lengths differ/);
  });
});

describe('cosine helpers', () => {
  const a = new Float32Array([1, 2, 2]);
  const b = new Float32Array([2, 0, 0]);
  it('computes cosine, dot, normalisation', () => {
    expect(dot(a, b)).toBe(2);
    expect(cosineSimilarity(a, b)).toBeCloseTo(1 / 3, 6);
    expect(cosineSimilarity(a, a)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a, new Float32Array(3))).toBe(0);
    expect(Array.from(l2Normalize(a))).toEqual(Array.from(new Float32Array([1 / 3, 2 / 3, 2 / 3])));
    expect(cosineScores(a, [a, b])).toEqual([cosineSimilarity(a, a), cosineSimilarity(a, b)]);
    expect(() => cosineSimilarity(a, new Float32Array(2))).toThrow(/dimension mismatch/);
  });

  it('splitRows views a row-major buffer', () => {
    const rows = splitRows(new Float32Array([1, 2, 3, 4, 5, 6]), 3);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(() => splitRows(new Float32Array(5), 3)).toThrow();
  });
});
