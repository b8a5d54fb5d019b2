import { describe, expect, it } from 'vitest';
import { ASKUBUNTU_DEV_PATH } from '../src/data/paths.ts';
import { loadRerankJsonl } from '../src/data/rerank.ts';
import { loadTrainPool } from '../src/data/train.ts';
import { expectedRandomAp, randomScorer } from '../src/eval/baselines.ts';
import { evaluateRerank, rerankMetrics } from '../src/eval/rerank.ts';
import { TfIdf, tfidfTokenize } from '../src/eval/tfidf.ts';

describe('tfidfTokenize (sklearn token_pattern (?u)\\b\\w\\w+\\b, lowercase)', () => {
  it('keeps runs of >= 2 Unicode word characters', () => {
    expect(tfidfTokenize("How do I install Java 8 on Ubuntu-14.04? I can't!")).toEqual([
      'how',
      'do',
      'install',
      'java',
      'on',
      'ubuntu',
      '14',
      '04',
      'can',
    ]);
    expect(tfidfTokenize('Café_au lait, naïve ÉTÉ x')).toEqual(['café_au', 'lait', 'naïve', 'été']);
    expect(tfidfTokenize('a b c')).toEqual([]);
  });
});

describe('TfIdf (TfidfVectorizer defaults)', () => {
  const tf = new TfIdf(['the cat sat', 'the dog sat', 'a cat']);
  const idf = (df: number): number => Math.log((1 + 3) / (1 + df)) + 1;

  it('uses smooth idf and raw counts, l2-normalised', () => {
    expect(tf.idf[tf.vocab.get('the')!]).toBeCloseTo(idf(2), 12);
    expect(tf.idf[tf.vocab.get('dog')!]).toBeCloseTo(idf(1), 12);
    expect(tf.vocab.has('a')).toBe(false);
    const v = tf.vector('dog dog the zebra');
    const w = [2 * idf(1), idf(2)];
    const n = Math.hypot(...w);
    expect(Array.from(v.weights).sort()).toEqual(w.map((x) => x / n).sort());
  });

  it('cosine: hand value, unseen terms dropped, empty -> 0', () => {
    const expected = (idf(2) * idf(2)) / (Math.SQRT2 * idf(2) * Math.hypot(idf(2), idf(1)));
    expect(tf.cosine('The cat', 'the DOG')).toBeCloseTo(expected, 12);
    expect(tf.cosine('the cat zebra', 'cat the')).toBeCloseTo(1, 12);
    expect(tf.cosine('zebra', 'the cat')).toBe(0);
    expect(tf.scorer().score('the cat', ['the cat', 'dog'])).toEqual([tf.cosine('the cat', 'the cat'), 0]);
  });
});

describe('baselines on the shipped AskUbuntu dev set', () => {
  const dev = loadRerankJsonl(ASKUBUNTU_DEV_PATH);

  it('TF-IDF cosine (idf from the shipped train pool)', async () => {
    const tf = new TfIdf(loadTrainPool());
    const m = await evaluateRerank(dev, tf.scorer());
    expect(m.queries).toBe(710);
    // 30.67 is reproduced exactly by an independent Python re-implementation of sklearn's
    // TfidfVectorizer + average_precision_score. SOURCES.md quotes 29.1 for this setup; no
    // standard TfidfVectorizer variant we tried reproduces that, so we pin our value and keep
    // a loose bound around the quoted one.
    expect(m.map).toBeCloseTo(30.671, 2);
    expect(Math.abs(m.map - 29.1)).toBeLessThan(2);
    expect(rerankMetrics(dev, (q, c) => tf.scorer().score(q, c) as number[]).map).toBe(m.map);
  });

  it('random order: mean over seeds near the exact expectation (~20.66) and the quoted 20.9', async () => {
    const expected =
      (100 * dev.reduce((s, q) => s + expectedRandomAp(q.positive.length, q.positive.length + q.negative.length), 0)) /
      dev.length;
    expect(expected).toBeCloseTo(20.66, 2);
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    let sum = 0;
    for (const seed of seeds) sum += (await evaluateRerank(dev, randomScorer(seed))).map;
    const mean = sum / seeds.length;
    expect(Math.abs(mean - expected)).toBeLessThan(0.6); // one run's sd is ~0.5
    expect(Math.abs(mean - 20.9)).toBeLessThan(1);
    const again = await evaluateRerank(dev, randomScorer(3));
    expect(again).toEqual(await evaluateRerank(dev, randomScorer(3)));
  });
});
