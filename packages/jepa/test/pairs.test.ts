// Labelled pairs (`--objective pairs`, `--aux pairs`): the batch a step draws, `--pairs-limit`'s
// nested subsets, a pairs file's errors by file:line, the options' checks, and through the trainer:
// each term logged, and a run stopped and resumed ending on the uninterrupted run's exact weights.
import '../../../test/gpu.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASKUBUNTU_PAIRS_PATH } from '../src/data/paths.ts';
import { limitPairs, loadPairs, PAIRS_SHUFFLE_SEED, type Pair } from '../src/data/pairs.ts';
import { drawPairs } from '../src/objectives/pairs.ts';
import { resolveConfig, unusedOptions } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';
import { Rng } from '../src/util/rng.ts';
import { expectExactResume, tinyRun, trainRecords } from './tiny-run.ts';

const { dir, cfg } = tinyRun('pairs', 6, { steps: 4, warmup: 1, logEvery: 1, dropout: 0.1 });
const pairsFile = join(dir, 'pairs.tsv');
writeFileSync(pairsFile, readFileSync(ASKUBUNTU_PAIRS_PATH, 'utf8').split('\n').slice(0, 40).join('\n'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('the batch of pairs a step draws', () => {
  const pairs = loadPairs();

  it('is a function of the step RNG: the same seed, the same pairs; another seed, others', () => {
    const a = drawPairs(pairs, 64, Rng.fromSeed(7));
    expect(drawPairs(pairs, 64, Rng.fromSeed(7))).toEqual(a);
    expect(drawPairs(pairs, 64, Rng.fromSeed(8))).not.toEqual(a);
    expect(a.length).toBe(64);
  });

  it('holds no title twice (a title would be its own negative), and is smaller only when titles run out', () => {
    const few: Pair[] = [
      ['a', 'b'],
      ['B', 'c'],
      ['d', 'e'],
      ['f', 'g'],
    ];
    for (let s = 0; s < 20; s++) {
      const got = drawPairs(few, 4, Rng.fromSeed(s));
      const titles = got.flat().map((t) => t.toLowerCase());
      expect(new Set(titles).size).toBe(titles.length);
      expect(got.length).toBe(3); // (a, b) and (B, c) never together
    }
    const big = drawPairs(pairs, 256, Rng.fromSeed(1)).flat();
    expect(new Set(big.map((t) => t.toLowerCase())).size).toBe(big.length);
  });
});

describe('--pairs-limit', () => {
  const pairs = loadPairs();

  it(`the first K of one shuffle (seed ${PAIRS_SHUFFLE_SEED}, whatever the run's): K = 100 within K = 300 within K = 1000`, () => {
    const [k100, k300, k1000] = [100, 300, 1000].map((k) => limitPairs(pairs, k));
    expect(k100.length).toBe(100);
    expect(k300.slice(0, 100)).toEqual(k100);
    expect(k1000.slice(0, 300)).toEqual(k300);
    expect(k100).not.toEqual(pairs.slice(0, 100)); // shuffled, not the file's head
    expect(limitPairs(pairs, 0)).toEqual(pairs);
    expect(limitPairs(pairs, pairs.length)).toHaveLength(pairs.length);
  });

  it('more pairs than the file has, or fewer than 2, is an error naming both', () => {
    expect(() => limitPairs(pairs, 5000, 'x.tsv')).toThrow('--pairs-limit: the x.tsv has 4816 pairs, got 5000');
    expect(() => limitPairs(pairs, 1)).toThrow('--pairs-limit: at least 2 pairs (in-batch negatives), got 1');
  });
});

describe('a pairs file (--pairs-file)', () => {
  it('is two tab-separated titles a line; blank lines, CRLF and padding are fine', () => {
    const p = write('ok.tsv', 'a b\tc d\r\n\n  e \t f\n');
    expect(loadPairs(p)).toEqual([
      ['a b', 'c d'],
      ['e', 'f'],
    ]);
  });

  it('a malformed line is an error naming file:line', () => {
    expect(() => loadPairs(write('one.tsv', 'a\tb\nonly one\n'))).toThrow(
      `${join(dir, 'one.tsv')}:2: expected 2 tab-separated fields (title1, title2), got 1`,
    );
    expect(() => loadPairs(write('three.tsv', 'a\tb\n\nx\ty\tz\n'))).toThrow(
      `${join(dir, 'three.tsv')}:3: expected 2 tab-separated fields (title1, title2), got 3`,
    );
    expect(() => loadPairs(write('empty-title.tsv', 'a\tb\n \tb\n'))).toThrow(
      `${join(dir, 'empty-title.tsv')}:2: an empty title`,
    );
    expect(() => loadPairs(write('single.tsv', 'a\tb\n'))).toThrow(
      'needs at least 2 pairs (in-batch negatives), got 1',
    );
    expect(() => loadPairs(join(dir, 'missing.tsv'))).toThrow(
      `${join(dir, 'missing.tsv')}: cannot read (no such file)`,
    );
  });
});

describe('the pairs options', () => {
  it('are checked: a scale above 0, a batch of 2 or more, aux only beside jepa', () => {
    expect(() => resolveConfig({ objective: 'pairs', pairsScale: 0 })).toThrow(
      'config "pairsScale": must be > 0, got 0',
    );
    expect(() => resolveConfig({ objective: 'pairs', batchSize: 1 })).toThrow(
      'config "batchSize": labelled pairs need at least 2 a batch (in-batch negatives), got 1',
    );
    expect(() => resolveConfig({ objective: 'mlm', aux: 'pairs' })).toThrow(/config "aux": .* got objective "mlm"/);
    expect(() => resolveConfig({ pairsLimit: -1 })).toThrow('config "pairsLimit": expected a non-negative integer');
  });

  it('are named as unused where no pairs train', () => {
    const unused = (c: Record<string, unknown>) => unusedOptions(resolveConfig(c), Object.keys(c));
    expect(unused({ objective: 'jepa', pairsScale: 10, pairsLimit: 100 })).toEqual([
      '--pairs-scale has no effect with --objective jepa',
      '--pairs-limit has no effect with --objective jepa',
    ]);
    expect(unused({ objective: 'pairs', pairsScale: 10, pairsLimit: 100, pairsFile: 'x' })).toEqual([]);
    expect(unused({ objective: 'jepa', aux: 'pairs', auxWeight: 0.5, pairsScale: 10 })).toEqual([]);
  });
});

describe('training on labelled pairs', () => {
  const runs: Record<string, Record<string, unknown>> = {
    pairs: { objective: 'pairs', pairsFile, pairsLimit: 30 },
    'jepa + pairs': { aux: 'pairs', auxWeight: 0.5, pairsFile },
  };
  for (const [name, over] of Object.entries(runs)) {
    it(`${name}: logs its terms, and stopped then resumed ends on the uninterrupted run's weights`, async () => {
      const { full, part } = await expectExactResume(cfg, over, join(dir, name));
      const recs = trainRecords(full);
      expect(trainRecords(part)).toHaveLength(4);
      for (const r of recs) {
        if ('aux' in over) {
          expect(r.loss).toBeCloseTo(r.vicreg + 0.5 * r.pairs, 3);
          expect(r.pairsAcc).toBeGreaterThanOrEqual(0);
          expect(r.pairsAcc).toBeLessThanOrEqual(1);
        } else {
          expect(r.acc).toBeGreaterThanOrEqual(0);
          expect(r.acc).toBeLessThanOrEqual(1);
          expect(r.loss).toBeGreaterThan(0);
        }
      }
    }, 600_000); // three training runs
  }

  it('a malformed pairs file fails by file:line before the run dir is touched (an --overwrite keeps the old run)', async () => {
    const out = join(dir, 'kept');
    await train(cfg({ out, steps: 2, warmup: 0 }), { quiet: true });
    const bad = write('bad.tsv', 'a\tb\nc\td\nno tab here\n');
    await expect(
      train(cfg({ out, steps: 2, warmup: 0, objective: 'pairs', pairsFile: bad, overwrite: true }), { quiet: true }),
    ).rejects.toThrow(`${bad}:3: expected 2 tab-separated fields (title1, title2), got 1`);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
  });
});
