// `--sif-lr-scale`: a learnt per-token scale on SIF's word weights. The scaled pooling and its
// gradient against float64 references (finite differences, a random-direction VJP on the GPU); an
// untrained scale is plain SIF; through the trainer: the scale trains, the exported model dir holds
// the folded weights (it scores what the run's final evaluation scored), and a stopped run resumed
// ends on the uninterrupted run's exact weights, the scale and its optimizer state included.
import '../../../test/gpu.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pool } from '@jepa/nn';
import { tensor, tidyAsync } from '@jepa/tensor';
import { describe, expect, it } from 'vitest';
import { checkOp, expectClose, randArray, vjpCheck } from '../../tensor/test/helpers.ts';
import { loadRerankJsonl } from '../src/data/rerank.ts';
import { evaluateRerank } from '../src/eval/rerank.ts';
import { loadEncoder } from '../src/model/pretrained.ts';
import { scaledWeights, WordScale } from '../src/model/word-scale.ts';
import { resolveConfig } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';
import { expectExactResume, savedTensors, tinyRun } from './tiny-run.ts';

// B = 3 sentences of T = 5 tokens over a vocabulary of V = 7, the last two of sentence 2 padding.
const B = 3;
const T = 5;
const H = 4;
const V = 7;
const IDS = Int32Array.from([0, 3, 3, 6, 1, 2, 5, 4, 0, 1, 6, 2, 1, 0, 0]);
const MASK = Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
const SIF = Float64Array.from([0.9, 0.2, 0.5, 0.7, 0.05, 0.3, 0.6]);
const counted = Float32Array.from(IDS, (id, j) => MASK[j] * SIF[id]);

/** The pooled [B, H]: Σ_t c_t e^{s_id(t)} h_t / Σ_t c_t e^{s_id(t)}, in float64. */
function refPool([h, s]: Float64Array[]): Float64Array {
  const out = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    let z = 0;
    for (let t = 0; t < T; t++) {
      const w = counted[b * T + t] * Math.exp(s[IDS[b * T + t]]);
      z += w;
      for (let k = 0; k < H; k++) out[b * H + k] += w * h[(b * T + t) * H + k];
    }
    for (let k = 0; k < H; k++) out[b * H + k] /= z;
  }
  return out;
}

const scaledPool = (h: ReturnType<typeof tensor>, s: ReturnType<typeof tensor>) =>
  pool(h, scaledWeights(tensor(IDS, [B, T], 'i32'), tensor(counted, [B, T]), s), 'mean');

describe('SIF pooling with a learnt word scale', () => {
  it('forward and both gradients (token states and log-scale) match float64 finite differences', async () => {
    await checkOp({ shapes: [[B, T, H], [V]], gpu: scaledPool, cpu: refPool });
  });

  it('a random-direction VJP on the GPU agrees with its central difference', async () => {
    await vjpCheck(scaledPool, [[B, T, H], [V]], { rtol: 2e-2 });
  });

  it('starts as plain SIF: a zero scale pools with the counted weights, and folds to them', async () => {
    const ws = new WordScale(V);
    const h = randArray(B * T * H, 5);
    const [got, want] = await tidyAsync(async () => {
      const ids = tensor(IDS, [B, T], 'i32');
      const c = tensor(counted, [B, T]);
      const x = tensor(h, [B, T, H]);
      return [await pool(x, ws.weigh(ids, c), 'mean').toArray(), await pool(x, c, 'mean').toArray()];
    });
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(Array.from(await ws.fold(Float32Array.from(SIF)))).toEqual(Array.from(Float32Array.from(SIF)));
    ws.dispose();
  });

  it('names what is wrong: shapes, vocabulary size', async () => {
    const ws = new WordScale(V);
    const ids = tensor(IDS, [B, T], 'i32');
    const c = tensor(counted.slice(0, 10), [2, 5]);
    expect(() => ws.weigh(ids, c)).toThrow(
      'WordScale.weigh: ids and counted weights must both be [B, T], got [3,5] and [2,5]',
    );
    await expect(ws.fold(new Float32Array(3))).rejects.toThrow('WordScale.fold: 3 weights for a vocabulary of 7');
    for (const t of [ids, c, ws]) t.dispose();
    expect(() => new WordScale(0)).toThrow('WordScale: vocabSize must be a positive integer, got 0');
  });
});

describe('--sif-lr-scale through the trainer', () => {
  const { dir, devFile, cfg } = tinyRun('sif-scale', 8, {
    steps: 4,
    warmup: 1,
    pooling: 'sif',
    sifLrScale: 50,
  });

  it('the config: needs sif pooling and an objective that pools, and a scale >= 0', () => {
    expect(() => cfg({ pooling: 'cls' })).toThrow(
      'config "sifLrScale": scales sif pooling\'s word weights, got pooling "cls"',
    );
    expect(() => cfg({ objective: 'mlm' })).toThrow('config "sifLrScale": objective mlm does not pool');
    expect(() => resolveConfig({}, { sifLrScale: -1 })).toThrow('config "sifLrScale": must be >= 0, got -1');
  });

  it('trains the scale, exports it folded (the model dir scores what the run scored), resumes exactly', async () => {
    const { full } = await expectExactResume(cfg, {}, join(dir, 'run'));
    const ck = await savedTensors(join(full, 'checkpoint', 'model.safetensors'));
    const s = ck.get('sif_scale.log_scale') as Float32Array;
    expect(s, 'the checkpoint holds the scale').toBeDefined();
    expect(
      s.some((v) => v !== 0),
      'the scale moved',
    ).toBe(true);
    // The same run without the scale exports the counted weights; ours differ exactly by exp(s).
    const plain = join(dir, 'plain');
    await train(cfg({ sifLrScale: 0, out: plain }), { quiet: true });
    const counted = (await savedTensors(join(plain, 'token_weights.safetensors'))).get('token_weights')!;
    const folded = (await savedTensors(join(full, 'token_weights.safetensors'))).get('token_weights')!;
    expectClose(
      folded as Float32Array,
      Float64Array.from(counted, (w, i) => w * Math.exp(s[i])),
      1e-6,
      0,
      'exported weights',
    );
    const enc = await loadEncoder(full);
    const final = JSON.parse(readFileSync(join(full, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!);
    expect(final.final).toBe(true);
    const m = await evaluateRerank(loadRerankJsonl(devFile), (texts) => enc.embed(texts));
    expect(m.map).toBeCloseTo(final.map, 4);
  }, 600_000); // four training runs
});
