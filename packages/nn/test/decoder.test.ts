import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, reshape, tensor, tidyAsync } from '@jepa/tensor';
import { expectClose, randArray, vjpCheck } from '../../tensor/test/helpers.ts';
import { BertDecoder, BertModel, bertConfig, type DecoderTie } from '../src/index.ts';
import { decoderRef } from './decoder-ref.ts';
import { paramVjpCheck, randomWeights } from './helpers.ts';

// Head dim 16 keeps the attention kernels quick to compile on lavapipe.
const cfg = bertConfig('tiny', {
  vocab_size: 41,
  hidden_size: 32,
  num_attention_heads: 2,
  intermediate_size: 48,
  max_position_embeddings: 12,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
});
const B = 3,
  T = 7,
  H = cfg.hidden_size;
const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 13 + 2) % cfg.vocab_size);

/** An encoder and a decoder tied to it, every weight random at a useful scale. */
function build(tie: DecoderTie): { enc: BertModel; dec: BertDecoder } {
  manualSeed(3);
  const enc = new BertModel(cfg).train();
  enc.loadStateDict(randomWeights(enc, 21));
  const dec = new BertDecoder(enc, { tie }).train();
  dec.loadStateDict(randomWeights(dec, 71));
  return { enc, dec };
}

/** HF's name for every decoder weight, resolved to the tensor that holds it (tied ones: the encoder's). */
async function refWeights(enc: BertModel, dec: BertDecoder): Promise<(name: string) => Float64Array> {
  const host = new Map<string, Float64Array>();
  for (const [n, t] of enc.stateDict()) host.set(`enc:${n}`, Float64Array.from(await t.toArray()));
  for (const [n, t] of dec.stateDict()) host.set(n, Float64Array.from(await t.toArray()));
  return (name) => {
    const own = host.get(name);
    if (own) return own;
    // Shared: bert.embeddings.* and (tie 'all') bert.encoder.layer.N.{attention,intermediate,output}.*
    const shared = host.get(`enc:${name.replace(/^bert\./, '')}`);
    if (!shared) throw new Error(`no weight ${name}`);
    return shared;
  };
}

describe('BertDecoder (HF BertLMHeadModel layout, TSDAE tying)', () => {
  it('owns only cross-attention and the head when tied entirely; the word table is the encoder tensor', () => {
    for (const tie of ['all', 'embeddings'] as const) {
      const { enc, dec } = build(tie);
      const names = dec.namedParameters().map(([n]) => n);
      expect(names.some((n) => n.includes('word_embeddings'))).toBe(false);
      expect(names).toContain('bert.encoder.layer.1.crossattention.self.query.weight');
      expect(names).toContain('cls.predictions.transform.LayerNorm.bias');
      expect(names).toContain('cls.predictions.bias');
      if (tie === 'all') {
        expect(names.every((n) => n.includes('.crossattention.') || n.startsWith('cls.'))).toBe(true);
        expect(names.length).toBe(2 * 10 + 5);
        expect(dec.bert.encoder.layer.items[1].intermediate).toBe(enc.encoder.layer.items[1].intermediate);
        expect(dec.bert.embeddings).toBe(enc.embeddings);
      } else {
        expect(names).toContain('bert.embeddings.position_embeddings.weight');
        expect(names).toContain('bert.encoder.layer.0.attention.self.key.bias');
        expect(dec.bert.embeddings.wordEmbeddings).toBe(enc.embeddings.wordEmbeddings);
      }
      // Input embeddings, output matrix and the encoder's word table: one tensor.
      expect(dec.wordEmbeddings).toBe(enc.embeddings.wordEmbeddings.weight);
      expect(dec.bert.embeddings.wordEmbeddings.weight).toBe(enc.embeddings.wordEmbeddings.weight);
      dec.dispose();
      expect(enc.embeddings.wordEmbeddings.weight.disposed).toBe(false);
      enc.dispose();
    }
    const enc = new BertModel(cfg);
    expect(() => new BertDecoder(enc, { tie: 'all', layers: 1 })).toThrow(/layers must be 2, got 1/);
    expect(() => new BertDecoder(enc, { tie: 'none' as DecoderTie })).toThrow(
      /tie must be one of all\|embeddings, got "none"/,
    );
    enc.dispose();
  });

  for (const tie of ['all', 'embeddings'] as const) {
    it(`matches a float64 CPU reference (tie ${tie}): causal self-attention, cross-attention to one vector and to a padded context`, async () => {
      const { enc, dec } = build(tie);
      const w = await refWeights(enc, dec);
      for (const [S, mask] of [
        [1, undefined],
        [4, Float32Array.from({ length: B * 4 }, (_, i) => (i % 4 < 4 - (i >> 2) ? 1 : 0))],
      ] as const) {
        const ctx = randArray(B * S * H, 5 + S, 1);
        const ref = decoderRef(cfg, w, ids, B, T, Float64Array.from(ctx), S, mask);
        await tidyAsync(async () => {
          const h = noGrad(() =>
            dec.forward(tensor(ids, [B, T], 'i32'), tensor(ctx, [B, S, H]), mask && tensor(mask, [B, S])),
          );
          expect(h.shape).toEqual([B, T, H]);
          expectClose(await h.toArray(), ref.hidden, 1e-4, 1e-4, `hidden (S = ${S})`);
          expectClose(await noGrad(() => dec.logits(h)).toArray(), ref.logits, 1e-4, 1e-4, `logits (S = ${S})`);
        });
      }
      dec.dispose();
      enc.dispose();
    });
  }

  it('a token never sees later ones: changing the last input leaves earlier states unchanged', async () => {
    const { enc, dec } = build('all');
    const other = Int32Array.from(ids);
    for (let b = 0; b < B; b++) other[b * T + T - 1] = (other[b * T + T - 1] + 5) % cfg.vocab_size;
    const ctx = tensor(randArray(B * H, 9), [B, 1, H]);
    await tidyAsync(async () => {
      const a = await noGrad(() => dec.forward(tensor(ids, [B, T], 'i32'), ctx)).toArray();
      const c = await noGrad(() => dec.forward(tensor(other, [B, T], 'i32'), ctx)).toArray();
      for (let r = 0; r < B * T; r++) {
        const same = a.subarray(r * H, (r + 1) * H).every((v, j) => v === c[r * H + j]);
        expect(same, `row ${r}`).toBe(r % T !== T - 1);
      }
    });
    ctx.dispose();
    dec.dispose();
    enc.dispose();
  });

  it('gradients: every parameter (directional derivative) and the sentence vector (VJP)', async () => {
    const positions = Int32Array.from([0, 1, 2, 5, 7, 8, 13, 14, 19]);
    const targets = Int32Array.from(positions, (p) => ids[p + 1]);
    for (const tie of ['all', 'embeddings'] as const) {
      const { enc, dec } = build(tie);
      const ctx = tensor(randArray(B * H, 4), [B, 1, H]);
      // Tied entirely, the decoder trains the encoder's embeddings and layers; else its word table only.
      const shared = tie === 'all' ? [enc.embeddings, enc.encoder] : [enc.embeddings.wordEmbeddings];
      await paramVjpCheck(
        [dec, ...shared],
        () => dec.loss(dec.forward(tensor(ids, [B, T], 'i32'), ctx), positions, targets),
        1e-3,
      );
      // In a scope: the layers' intermediates would otherwise be left to the garbage collector.
      await tidyAsync(() =>
        vjpCheck((s) => reshape(dec.forward(tensor(ids, [B, T], 'i32'), reshape(s, [B, 1, H])), [B * T, H]), [[B, H]], {
          eps: 3e-3,
        }),
      );
      ctx.dispose();
      dec.dispose();
      enc.dispose();
    }
  });
});
