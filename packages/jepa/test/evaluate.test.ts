import { describe, expect, it } from 'vitest';
import type { RerankQuery } from '../src/data/rerank.ts';
import type { StsPair } from '../src/data/stsb.ts';
import { cosineSimilarity } from '../src/eval/cosine.ts';
import { evaluateRerank, rerankMetrics } from '../src/eval/rerank.ts';
import { evaluateStsb } from '../src/eval/stsb.ts';

// A deterministic toy embedding: letter counts (26-d).
const letters = (t: string): Float32Array => {
  const v = new Float32Array(26);
  for (const ch of t.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]!++;
  }
  return v;
};

const queries: RerankQuery[] = [
  { query: 'install java', positive: ['java install', 'setup java'], negative: ['wifi broken', 'java applet'] },
  { query: 'wifi broken', positive: ['wireless broken'], negative: ['install java', 'sound broken', 'grub'] },
  { query: 'skipped', positive: [], negative: ['x'] },
];

describe('evaluateRerank', () => {
  it('with an embedFn equals cosine scoring, embedding each distinct text once in batches', async () => {
    const calls: number[] = [];
    const embedFn = async (texts: string[]): Promise<Float32Array[]> => {
      calls.push(texts.length);
      return texts.map(letters);
    };
    const m = await evaluateRerank(queries, embedFn, { batchSize: 4 });
    const ref = rerankMetrics(queries, (q, c) => c.map((t) => cosineSimilarity(letters(q), letters(t))));
    expect(m).toEqual(ref);
    expect(m.queries).toBe(2);
    // 8 distinct texts over the 2 evaluable queries ('install java' and 'wifi broken' repeat).
    expect(calls).toEqual([4, 4]);
  });

  it('with a scorer object, and checks output lengths', async () => {
    const m = await evaluateRerank(queries, { score: (_q, c) => c.map((t) => -t.length) });
    expect(m.queries).toBe(2);
    await expect(evaluateRerank(queries, { score: () => [1] })).rejects.toThrow(/1 scores for 4 candidates/);
    await expect(evaluateRerank(queries, () => [])).rejects.toThrow(/0 embeddings/);
  });
});

describe('evaluateStsb', () => {
  const pairs: StsPair[] = [
    { s1: 'a', s2: 'b', score: 1 },
    { s1: 'a', s2: 'c', score: 2 },
    { s1: 'a', s2: 'd', score: 4.5 },
    { s1: 'b', s2: 'c', score: 3 },
  ];
  // Unit vectors at angles chosen so that cosine order matches / reverses the gold order.
  const angle: Record<string, number> = { a: 0, b: 1.4, c: 1.0, d: 0.1 };
  const embed = (sign: number) => (texts: string[]) =>
    texts.map((t) => new Float32Array([Math.cos(sign * angle[t]!), Math.sin(sign * angle[t]!)]));

  it('returns Spearman x100 of cosine vs gold', async () => {
    // cosines: ab cos1.4, ac cos1.0, ad cos0.1, bc cos0.4 -> ranks 1,2,4,3 vs gold 1,2,4,3.
    expect(await evaluateStsb(pairs, embed(1))).toEqual({ pairs: 4, spearman: 100 });
    const inverted = pairs.map((p) => ({ ...p, score: 5 - p.score }));
    const r = await evaluateStsb(inverted, embed(1));
    expect(r.spearman).toBeCloseTo(-100, 10);
  });
});
