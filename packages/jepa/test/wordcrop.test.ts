import { describe, expect, it } from 'vitest';
import { Rng } from '../src/util/rng.ts';
import { cropSpan, makeViews, splitSpan, splitWords, wordCrop, wordSplit } from '../src/views/wordcrop.ts';

describe('cropSpan distribution', () => {
  const n = 5;
  const N = 30_000;
  const rng = Rng.fromSeed(2024);
  const counts = new Map<string, number>();
  const starts = new Array<number>(n).fill(0);
  for (let i = 0; i < N; i++) {
    const { start, length } = cropSpan(n, rng);
    expect(start >= 0 && start < n && length >= 1 && start + length <= n).toBe(true);
    starts[start]!++;
    counts.set(`${start},${length}`, (counts.get(`${start},${length}`) ?? 0) + 1);
  }

  it('reaches every (start, length) pair, and only those', () => {
    const expected: string[] = [];
    for (let s = 0; s < n; s++) for (let l = 1; l <= n - s; l++) expected.push(`${s},${l}`);
    expect([...counts.keys()].sort()).toEqual(expected.sort());
  });

  it('start is uniform over {0..n-1} (chi-square)', () => {
    const e = N / n;
    const chi2 = starts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(18.47); // 4 dof, p = 0.001
  });

  it('length is uniform over {1..n-start} given start (chi-square)', () => {
    for (let s = 0; s < n - 1; s++) {
      const m = n - s;
      const e = starts[s]! / m;
      let chi2 = 0;
      for (let l = 1; l <= m; l++) chi2 += ((counts.get(`${s},${l}`) ?? 0) - e) ** 2 / e;
      expect(chi2).toBeLessThan(18.47); // <= 4 dof, p = 0.001
    }
  });

  it('rejects n < 2', () => {
    expect(() => cropSpan(1, Rng.fromSeed(0))).toThrow();
  });
});

describe('wordCrop', () => {
  const sentences = [
    'How do I install Java on Ubuntu 14.04 ?',
    'wifi  not\tworking after upgrade',
    'two words',
    'one',
    '',
    '  padded   sentence here ',
  ];

  it('returns a contiguous span of the word sequence', () => {
    const rng = Rng.fromSeed(5);
    for (let rep = 0; rep < 200; rep++) {
      for (const s of sentences) {
        const words = splitWords(s);
        const crop = wordCrop(s, rng);
        if (words.length < 2) {
          expect(crop).toBe(s);
          continue;
        }
        const cw = crop.split(' ');
        const found = words.some((_, i) => words.slice(i, i + cw.length).join(' ') === crop);
        expect(found, `${JSON.stringify(crop)} not contiguous in ${JSON.stringify(s)}`).toBe(true);
        expect(cw.length).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('leaves sentences of < 2 words unchanged without consuming randomness', () => {
    const rng = Rng.fromSeed(3);
    const before = rng.state();
    expect(wordCrop('single', rng)).toBe('single');
    expect(wordCrop('   ', rng)).toBe('   ');
    expect(rng.state()).toEqual(before);
  });

  it('is reproducible for a seed, and a restored state continues identically', () => {
    const run = (rng: Rng): string[] => sentences.flatMap((s) => [wordCrop(s, rng), wordCrop(s, rng)]);
    expect(run(Rng.fromSeed(11))).toEqual(run(Rng.fromSeed(11)));
    const rng = Rng.fromSeed(11);
    run(rng);
    const saved = rng.state();
    const next = run(rng);
    expect(run(Rng.fromState(saved))).toEqual(next);
  });
});

describe('makeViews', () => {
  const sentences = ['the quick brown fox jumps over the lazy dog', 'hello world', 'x'];

  it('default: a is the full sentence, b a crop', () => {
    const { a, b } = makeViews(sentences, { rng: Rng.fromSeed(1) });
    expect(a).toEqual(sentences);
    expect(b).toHaveLength(3);
    expect(b[2]).toBe('x');
    expect(sentences[0]!.includes(b[0]!)).toBe(true);
  });

  it('cropBoth: two independent crops, reproducible per seed', () => {
    const v1 = makeViews(sentences, { rng: Rng.fromSeed(8), cropBoth: true });
    const v2 = makeViews(sentences, { rng: Rng.fromSeed(8), cropBoth: true });
    expect(v1).toEqual(v2);
    let differ = 0;
    const rng = Rng.fromSeed(9);
    for (let i = 0; i < 50; i++) {
      const { a, b } = makeViews([sentences[0]!], { rng, cropBoth: true });
      expect(sentences[0]!.includes(a[0]!) && sentences[0]!.includes(b[0]!)).toBe(true);
      if (a[0] !== b[0]) differ++;
    }
    expect(differ).toBeGreaterThan(30);
  });

  it('cropRest: a crop and the words outside it, disjoint, together the sentence in order', () => {
    const rng = Rng.fromSeed(5);
    const s = 'one two three four five six seven'; // distinct words: the crop's place is unambiguous
    const words = splitWords(s);
    const seen = new Set<string>();
    for (let i = 0; i < 600; i++) {
      const { a, b } = makeViews([s], { rng, cropRest: true });
      const rest = splitWords(a[0]!),
        crop = splitWords(b[0]!);
      expect(rest.length >= 1 && crop.length >= 1).toBe(true);
      expect(rest.length + crop.length).toBe(words.length);
      // the crop is contiguous and the rest is the words before it then after it
      const at = words.findIndex((_, j) => words.slice(j, j + crop.length).join(' ') === crop.join(' '));
      expect(at).toBeGreaterThanOrEqual(0);
      expect(rest).toEqual([...words.slice(0, at), ...words.slice(at + crop.length)]);
      seen.add(`${at},${crop.length}`);
    }
    // every span but the whole sentence occurs (n words: n(n+1)/2 - 1 spans)
    expect(seen.size).toBe((words.length * (words.length + 1)) / 2 - 1);
    expect(makeViews(['x'], { rng, cropRest: true })).toEqual({ a: ['x'], b: ['x'] });
    expect(makeViews(sentences, { rng: Rng.fromSeed(3), cropRest: true })).toEqual(
      makeViews(sentences, { rng: Rng.fromSeed(3), cropRest: true }),
    );
    expect(() => makeViews(sentences, { rng, cropRest: true, cropBoth: true })).toThrow(/cropBoth and cropRest/);
  });

  it('splitSpan never covers every word; wordSplit of two words is one word each', () => {
    const rng = Rng.fromSeed(11);
    for (let n = 2; n <= 9; n++) {
      for (let i = 0; i < 200; i++) {
        const { start, length } = splitSpan(n, rng);
        expect(start >= 0 && length >= 1 && start + length <= n && length < n).toBe(true);
      }
    }
    for (let i = 0; i < 20; i++) {
      const { crop, rest } = wordSplit('a b', rng);
      expect([crop, rest].sort()).toEqual(['a', 'b']);
    }
  });
});
