import '../../../test/gpu.ts';
import { beforeAll, describe, it } from 'vitest';
import { manualSeed, tensor } from '@jepa/tensor';
import { randArray, vjpCheck } from '../../tensor/test/helpers.ts';
import { BertModel, Expander, bertConfig, pool } from '../src/index.ts';
import { paramVjpCheck, randomWeights } from './helpers.ts';

// Head dim 16 keeps the attention kernels quick to compile on lavapipe.
const cfg = bertConfig('tiny', {
  vocab_size: 40,
  hidden_size: 32,
  num_attention_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 8,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
});
const B = 3,
  T = 5;
const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7) % 11); // repeated ids across rows
const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < [5, 3, 4][Math.floor(i / T)] ? 1 : 0));

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
        return z
          .mul(tensor(u, [B, 12]))
          .sum()
          .add(out.pooled!.sum().mul(0.1));
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
