// The TSDAE, JEPA + pretext and predictive-JEPA objectives: their noise and targets on the host,
// and on the GPU that each one's loss goes down when it trains on one small batch.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { AdamW, Expander, basicTokenize } from '@jepa/nn';
import { manualSeed, tensor, tidy, tidyAsync } from '@jepa/tensor';
import { expectClose, randArray } from '../../tensor/test/helpers.ts';
import { loadTrainPool } from '../src/data/train.ts';
import { emaMomentum, emaUpdate } from '../src/objectives/ema.ts';
import { deleteWords, shiftTargets } from '../src/objectives/tsdae.ts';
import { RECIPES, resolveConfig, type TrainConfig } from '../src/train/config.ts';
import { buildModel } from '../src/train/trainer.ts';
import { Rng } from '../src/util/rng.ts';

const sentences = loadTrainPool().slice(0, 6);

describe('TSDAE deletion noise and decoder targets', () => {
  it('deletes ~60% of the words, independently, and always keeps one', () => {
    const rng = Rng.fromSeed(4);
    let words = 0,
      kept = 0;
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
    expect(1 - kept / words).toBeLessThan(0.6); // slightly under 0.6: a sentence never loses its last word
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

describe('EMA target', () => {
  it('update matches a CPU reference for every parameter and buffer', async () => {
    manualSeed(1);
    const src = new Expander([5, 7, 3]),
      dst = new Expander([5, 7, 3]);
    // Different running statistics too: one training forward of the source.
    tidy(() => src.train().forward(tensor(randArray(4 * 5, 2), [4, 5])));
    const host = async (m: Expander) =>
      new Map(
        await Promise.all(
          [...m.stateDict()].map(
            async ([n, t]) =>
              [n, Float32Array.from(t.dtype === 'i32' ? await t.toInt32Array() : await t.toArray())] as const,
          ),
        ),
      );
    const [a, b] = [await host(dst), await host(src)];
    emaUpdate(dst, src, 0.9);
    const got = await host(dst);
    expect([...got.keys()]).toContain('1.running_mean');
    for (const [n, v] of got) {
      // Integer counters (BatchNorm's num_batches_tracked) are copied.
      const want =
        dst.stateDict().get(n)!.dtype === 'i32' ? b.get(n)! : a.get(n)!.map((x, i) => 0.9 * x + 0.1 * b.get(n)![i]);
      expectClose(v, want, 1e-6, 1e-6, n);
    }
    emaUpdate(dst, src, 1); // momentum 1: the target stays
    for (const [n, v] of await host(dst)) expect(Array.from(v), n).toEqual(Array.from(got.get(n)!));
    emaUpdate(dst, src, 0); // momentum 0: a copy
    for (const [n, v] of await host(dst)) expect(Array.from(v), n).toEqual(Array.from(b.get(n)!));
    const other = new Expander([5, 3]);
    expect(() => emaUpdate(dst, other, 0.5)).toThrow(
      /emaUpdate: "0.weight" is f32\[7, 5\] in the target but f32\[3, 5\] in the source/,
    );
    expect(() => emaUpdate(other, dst, 0.5)).toThrow(/emaUpdate: target has no "1.weight"/);
    other.dispose();
    expect(() => emaUpdate(dst, src, 1.5)).toThrow(/momentum must be in \[0, 1\], got 1.5/);
    src.dispose();
    dst.dispose();
  });

  it('momentum schedules: constant, linear (I-JEPA) and cosine (BYOL) from start to end', () => {
    const o = { start: 0.996, end: 1 };
    expect(emaMomentum(50, 100, { ...o, schedule: 'constant' })).toBe(0.996);
    expect([0, 50, 100].map((s) => emaMomentum(s, 100, { ...o, schedule: 'linear' }))).toEqual([0.996, 0.998, 1]);
    const cos = [0, 25, 50, 100].map((s) => emaMomentum(s, 100, { ...o, schedule: 'cosine' }));
    expect(cos[0]).toBeCloseTo(0.996, 12);
    expect(cos[1]).toBeCloseTo(1 - (0.004 * (Math.cos(Math.PI / 4) + 1)) / 2, 12);
    expect(cos[2]).toBeCloseTo(0.998, 12);
    expect(cos[3]).toBeCloseTo(1, 12);
  });
});

/** Train on one fixed batch for `steps` steps; the step losses, in order. */
async function fitOneBatch(over: Partial<Record<keyof TrainConfig, unknown>>, steps: number): Promise<number[]> {
  const cfg = resolveConfig(RECIPES.bert, {
    batchSize: 6,
    maxTokens: 16,
    expander: '64,64',
    dropout: 0,
    lr: 2e-3,
    ...over,
  });
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
      objective.afterStep?.(s);
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

  for (const emaLoss of ['vicreg', 'mse'] as const) {
    it(`jepa-ema (${emaLoss}): the prediction loss falls`, async () => {
      const l = await fitOneBatch({ objective: 'jepa-ema', emaLoss, emaMomentum: 0.5, emaSchedule: 'constant' }, 6);
      expect(l[5]).toBeLessThan(l[0] * (emaLoss === 'mse' ? 0.7 : 0.9));
    });
  }

  it('jepa + pretext: loss = VICReg + weight · pretext, each term reported', async () => {
    for (const aux of ['mlm', 'tsdae'] as const) {
      const cfg = resolveConfig(RECIPES.bert, {
        batchSize: 6,
        maxTokens: 16,
        expander: '64,64',
        dropout: 0,
        aux,
        auxWeight: 0.3,
      });
      const { objective, modules } = await buildModel(cfg);
      expect(Object.keys(objective.heads)).toEqual(['expander', aux === 'mlm' ? 'mlm' : 'decoder']);
      const v = await tidyAsync(async () => {
        const o = objective.step(sentences, Rng.fromSeed(1));
        expect(Object.keys(o.terms)).toEqual(['inv', 'var', 'cov', 'vicreg', aux]);
        return Object.fromEntries(
          await Promise.all(
            [['loss', o.loss] as const, ...Object.entries(o.terms)].map(async ([k, t]) => [k, await t.item()]),
          ),
        );
      });
      expect(v.loss).toBeCloseTo(v.vicreg + 0.3 * v[aux], 4);
      expect(v.vicreg).toBeCloseTo(25 * v.inv + 25 * v.var + v.cov, 3);
      expect(v[aux]).toBeGreaterThan(Math.log(30522) - 1.5);
      for (const m of modules) m.dispose();
    }
  });
});
