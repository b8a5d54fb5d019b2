import '../../../test/gpu.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { manualSeed, noGrad, tensor, tidy, type Tensor } from '@jepa/tensor';
import { randArray, vjpCheck } from '../../tensor/test/helpers.ts';
import { BertModel, Expander, bertConfig, copyInto, pool, type Module } from '../src/index.ts';
import { randomWeights } from './helpers.ts';

// Head dim 16 keeps the attention kernels quick to compile on lavapipe.
const cfg = bertConfig('tiny', {
  vocab_size: 40, hidden_size: 32, num_attention_heads: 2, intermediate_size: 48, max_position_embeddings: 8,
  hidden_dropout_prob: 0, attention_probs_dropout_prob: 0,
});
const B = 3, T = 5;
const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % 11); // repeated ids across rows
const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < [5, 3, 4][Math.floor(i / T)] ? 1 : 0));

/**
 * Directional-derivative check over every parameter of `modules`: sum(grad · v) from backward
 * against a central difference of the loss along v, all on the GPU in f32. The step is small
 * because BatchNorm over a 3-row batch puts some ReLU inputs within ~0.02 of the kink.
 */
async function paramVjpCheck(modules: Module[], loss: () => Tensor, eps = 1e-4, rtol = 2e-2): Promise<void> {
  const params = modules.flatMap((m) => m.parameters());
  for (const p of params) p.zeroGrad();
  tidy(() => loss().backward());
  const dirs = params.map((p, i) => randArray(p.size, 300 + i));
  const base = await Promise.all(params.map((p) => p.toArray()));
  let analytic = 0;
  for (let i = 0; i < params.length; i++) {
    const g = params[i].grad;
    expect(g, `parameter ${i} ${params[i].toString()} has a gradient`).not.toBeNull();
    const ga = await g!.toArray();
    for (let j = 0; j < ga.length; j++) analytic += ga[j] * dirs[i][j];
  }
  const at = async (s: number) => {
    params.forEach((p, i) => copyInto(p, { shape: p.shape, data: base[i].map((x, j) => x + s * eps * dirs[i][j]) }));
    return tidy(() => noGrad(loss)).item();
  };
  const numeric = ((await at(1)) - (await at(-1))) / (2 * eps);
  params.forEach((p, i) => copyInto(p, { shape: p.shape, data: base[i] }));
  expect(Math.abs(analytic - numeric), `analytic ${analytic} vs numeric ${numeric}`).toBeLessThanOrEqual(rtol * Math.max(1, Math.abs(numeric)));
}

describe('gradients through BERT + pooling + expander (train mode, dropout 0, BatchNorm batch stats)', () => {
  let bert: BertModel, expander: Expander;
  beforeAll(() => {
    manualSeed(4);
    bert = new BertModel(cfg).train();
    bert.loadStateDict(randomWeights(bert, 21));
    expander = new Expander([32, 24, 12]).train();
  });
  const u = randArray(B * 12, 5);

  it('every parameter (embeddings, attention, LayerNorms, GELU, pooler-free path, BatchNorm)', async () => {
    for (const mode of ['mean', 'cls'] as const) {
      await paramVjpCheck([bert, expander], () => {
        const out = bert.forward(tensor(ids, [B, T], 'i32'), tensor(mask, [B, T]));
        const z = expander.forward(pool(out.lastHidden, tensor(mask, [B, T]), mode));
        // the pooled output joins the loss, so the pooler gets a gradient too
        return z.mul(tensor(u, [B, 12])).sum().add(out.pooled!.sum().mul(0.1));
      });
    }
  });

  it('input gradients through the encoder, each pooling and the expander', async () => {
    const m = tensor(mask, [B, T]);
    for (const mode of ['mean', 'max', 'cls'] as const) {
      await vjpCheck((x) => expander.forward(pool(bert.encoder.forward(x, m), m, mode)), [[B, T, 32]], { eps: 3e-3 });
    }
  });
});
