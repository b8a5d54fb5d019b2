import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, tensor, tidy, tidyAsync } from '@jepa/tensor';
import { expectClose, randArray } from '../../tensor/test/helpers.ts';
import { BertMLMHead, BertModel, bertConfig } from '../src/index.ts';
import { geluRef, layerNormRef, linearRef } from './bert-ref.ts';

const cfg = bertConfig('tiny', {
  vocab_size: 23,
  hidden_size: 16,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 8,
});

/** CPU logits and mean cross-entropy for rows of hidden [M, H]. */
function mlmRef(h: Float64Array, M: number, W: Map<string, Float64Array>, emb: Float64Array, targets: Int32Array) {
  const H = cfg.hidden_size,
    V = cfg.vocab_size;
  const t = linearRef(
    h,
    M,
    W.get('predictions.transform.dense.weight')!,
    W.get('predictions.transform.dense.bias')!,
    H,
    H,
  ).map(geluRef);
  const n = layerNormRef(
    t,
    M,
    H,
    W.get('predictions.transform.LayerNorm.weight')!,
    W.get('predictions.transform.LayerNorm.bias')!,
    cfg.layer_norm_eps,
  );
  const logits = linearRef(n, M, emb, W.get('predictions.bias')!, H, V);
  let loss = 0;
  for (let i = 0; i < M; i++) {
    const row = logits.subarray(i * V, (i + 1) * V);
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((s, x) => s + Math.exp(x - mx), 0));
    loss += lse - row[targets[i]];
  }
  return { logits, loss: loss / M };
}

describe('BertMLMHead', () => {
  it('uses HF names (cls.predictions.*) and does not own the tied decoder weight', () => {
    const bert = new BertModel(cfg);
    const head = new BertMLMHead(cfg, bert.embeddings.wordEmbeddings);
    expect(head.namedParameters().map(([n]) => n)).toEqual([
      'predictions.bias',
      'predictions.transform.dense.weight',
      'predictions.transform.dense.bias',
      'predictions.transform.LayerNorm.weight',
      'predictions.transform.LayerNorm.bias',
    ]);
    expect(head.decoderWeight).toBe(bert.embeddings.wordEmbeddings.weight);
    // an HF BertForMaskedLM state dict loads: cls. prefix stripped, tied decoder entries skipped
    const hf = new Map([...head.stateDict()].map(([n, t]) => [`cls.${n}`, t]));
    hf.set('cls.predictions.decoder.weight', bert.embeddings.wordEmbeddings.weight);
    hf.set('bert.embeddings.word_embeddings.weight', bert.embeddings.wordEmbeddings.weight);
    expect(head.loadStateDict(hf, { strict: false }).unexpected.sort()).toEqual([
      'bert.embeddings.word_embeddings.weight',
      'cls.predictions.decoder.weight',
    ]);
    expect(() => new BertMLMHead({ ...cfg, vocab_size: 24 }, bert.embeddings.wordEmbeddings.weight)).toThrow(
      /do not match vocab_size 24/,
    );
    head.dispose();
    bert.dispose();
  });

  it('logits and the chunked masked-position loss match a CPU reference; tied gradient reaches the embeddings', async () => {
    manualSeed(8);
    const bert = new BertModel(cfg);
    const head = new BertMLMHead(cfg, bert.embeddings.wordEmbeddings);
    head.loadStateDict(
      new Map(
        head.namedParameters().map(([n, t], i) => {
          const d = randArray(t.size, 40 + i, 0.3);
          if (n.endsWith('LayerNorm.weight')) d.forEach((v, j) => (d[j] = 1 + v));
          return [n, { shape: [...t.shape], data: d }];
        }),
      ),
    );
    const W = new Map(
      await Promise.all(
        head.namedParameters().map(async ([n, t]) => [n, Float64Array.from(await t.toArray())] as const),
      ),
    );
    const emb = Float64Array.from(await bert.embeddings.wordEmbeddings.weight.toArray());
    const B = 2,
      T = 4,
      H = cfg.hidden_size;
    const hidden = randArray(B * T * H, 3);
    const positions = Int32Array.of(1, 2, 5, 6, 7);
    const targets = Int32Array.of(3, 0, 22, 7, 3);
    const picked = new Float64Array(positions.length * H);
    positions.forEach((p, i) => picked.set(hidden.subarray(p * H, (p + 1) * H), i * H));
    const ref = mlmRef(picked, positions.length, W, emb, targets);
    await tidyAsync(async () => {
      const h = tensor(hidden, [B, T, H]);
      const logits = noGrad(() => head.forward(tensor(Float32Array.from(picked), [positions.length, H])));
      expectClose(await logits.toArray(), ref.logits, 1e-4, 1e-4, 'logits');
      const full = head.loss(h, positions, targets);
      const chunked = head.loss(h, tensor(positions, [5], 'i32'), tensor(targets, [5], 'i32'), { maxRows: 2 });
      expect(await full.item()).toBeCloseTo(ref.loss, 4);
      expect(await chunked.item()).toBeCloseTo(ref.loss, 4);
      expect(head.maxRows()).toBe(Math.floor(134217728 / (4 * cfg.vocab_size)));
      // the decoder is the embedding matrix: its gradient lands on the word embeddings
      tidy(() => chunked.backward());
    });
    expect(bert.embeddings.wordEmbeddings.weight.grad).not.toBeNull();
    expect(head.predictions.bias.grad).not.toBeNull();
    head.dispose();
    bert.dispose();
  });
});
