// The TSDAE, JEPA + pretext and predictive-JEPA objectives: their noise and targets on the host,
// and on the GPU that each one's loss goes down when it trains on one small batch.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { AdamW, basicTokenize } from '@jepa/nn';
import { tidy, tidyAsync } from '@jepa/tensor';
import { loadTrainPool } from '../src/data/train.ts';
import { deleteWords, shiftTargets } from '../src/objectives/tsdae.ts';
import { resolveConfig, type TrainConfig } from '../src/train/config.ts';
import { buildModel } from '../src/train/trainer.ts';
import { Rng } from '../src/util/rng.ts';

const sentences = loadTrainPool().slice(0, 6);

describe('TSDAE deletion noise and decoder targets', () => {
  it('deletes ~60% of the words, independently, and always keeps one', () => {
    const rng = Rng.fromSeed(4);
    let words = 0, kept = 0;
    for (const s of loadTrainPool().slice(0, 2000)) {
      const w = basicTokenize(s);
      const noisy = basicTokenize(deleteWords(s, 0.6, rng));
      expect(noisy.length).toBeGreaterThanOrEqual(1);
      // What is left is a subsequence of the original words.
      let j = 0;
      for (const x of w) if (x === noisy[j]) j++;
      expect(j, s).toBe(noisy.length);
      words += w.length;
      kept += noisy.length;
    }
    expect(1 - kept / words).toBeGreaterThan(0.56);
    expect(1 - kept / words).toBeLessThan(0.6);  // slightly under 0.6: a sentence never loses its last word
    for (let i = 0; i < 50; i++) expect(deleteWords('one', 0.99, rng)).toBe('one');
    expect(deleteWords('keep all of it', 0, rng)).toBe('keep all of it');
  });

  it('teacher forcing: reads tokens 0..T-2, predicts 1..T-1, skips padded targets', () => {
    // [CLS] a b [SEP] / [CLS] c [SEP] [PAD]
    const ids = Int32Array.of(101, 7, 8, 102, 101, 9, 102, 0);
    const mask = Int32Array.of(1, 1, 1, 1, 1, 1, 1, 0);
    const s = shiftTargets(ids, mask, 2, 4);
    expect(Array.from(s.input)).toEqual([101, 7, 8, 101, 9, 102]);
    expect(Array.from(s.positions)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(s.targets)).toEqual([7, 8, 102, 9, 102]);
  });
});

/** Train on one fixed batch for `steps` steps; the step losses, in order. */
async function fitOneBatch(over: Partial<Record<keyof TrainConfig, unknown>>, steps: number): Promise<number[]> {
  const cfg = resolveConfig({ batchSize: 6, maxTokens: 16, expander: '64,64', dropout: 0, lr: 2e-3, ...over });
  const { objective, modules } = await buildModel(cfg);
  for (const m of modules) m.train();
  const opt = new AdamW(modules, { lr: cfg.lr, weightDecay: 0 });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const rng = Rng.fromSeed(s);
    const l = tidy(() => {
      const o = objective.step(sentences, rng);
      o.loss.backward();
      opt.step();
      opt.zeroGrad();
      return o.loss;
    });
    losses.push(await l.item());
    l.dispose();
  }
  opt.dispose();
  for (const m of modules) m.dispose();
  return losses;
}

describe('objectives learn a small batch', () => {
  it('tsdae: reconstruction cross-entropy falls', async () => {
    const l = await fitOneBatch({ objective: 'tsdae' }, 4);
    expect(l[0]).toBeGreaterThan(Math.log(30522) - 1); // starts near uniform over the vocabulary
    expect(l[3]).toBeLessThan(l[0] - 1);
  });

  it('jepa + pretext: loss = VICReg + weight · pretext, each term reported', async () => {
    for (const aux of ['mlm', 'tsdae'] as const) {
      const cfg = resolveConfig({ batchSize: 6, maxTokens: 16, expander: '64,64', dropout: 0, aux, auxWeight: 0.3 });
      const { objective, modules } = await buildModel(cfg);
      expect(Object.keys(objective.heads)).toEqual(['expander', aux === 'mlm' ? 'mlm' : 'decoder']);
      const v = await tidyAsync(async () => {
        const o = objective.step(sentences, Rng.fromSeed(1));
        expect(Object.keys(o.terms)).toEqual(['inv', 'var', 'cov', 'vicreg', aux]);
        return Object.fromEntries(await Promise.all([['loss', o.loss] as const, ...Object.entries(o.terms)].map(async ([k, t]) => [k, await t.item()])));
      });
      expect(v.loss).toBeCloseTo(v.vicreg + 0.3 * v[aux], 4);
      expect(v.vicreg).toBeCloseTo(25 * v.inv + 25 * v.var + v.cov, 3);
      expect(v[aux]).toBeGreaterThan(Math.log(30522) - 1.5);
      for (const m of modules) m.dispose();
    }
  });
});
