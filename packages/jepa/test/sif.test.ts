// SIF pooling: weights a/(a + p(token)) from a pool, the weighted mean of token states, and the
// weights travelling with an exported model.
import '../../../test/gpu.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BertModel, BertTokenizer, bertConfig } from '@jepa/nn';
import { manualSeed, noGrad, tidyAsync } from '@jepa/tensor';
import { SentenceEncoder } from '../src/model/encoder.ts';
import { loadEncoder, randomEncoder } from '../src/model/load.ts';
import { SIF_A, sifWeights } from '../src/model/sif.ts';
import { exportModel } from '../src/train/checkpoint.ts';

const tok = BertTokenizer.default();
const id = (t: string) => tok.tokenToId(t);

describe('SIF pooling', () => {
  it('weighs each token a/(a + count/total) over the tokenized pool; specials 0, unseen 1', () => {
    const w = sifWeights(tok, ['install linux', 'install kernel', 'install'], 16);
    // Tokens (one word piece each): install ×3, linux, kernel -> total 5 (no [CLS]/[SEP]).
    expect(w[id('install')]).toBeCloseTo(SIF_A / (SIF_A + 3 / 5), 7);
    expect(w[id('linux')]).toBeCloseTo(SIF_A / (SIF_A + 1 / 5), 7);
    expect(w[id('monitor')]).toBe(1);
    for (const s of ['[CLS]', '[SEP]', '[PAD]']) expect(w[id(s)]).toBe(0);
    expect(() => sifWeights(tok, [''], 16)).toThrow(/no tokens/);
  });

  it('is the weighted mean of the last hidden states (padding and specials excluded)', async () => {
    manualSeed(3);
    const cfg = bertConfig('tiny', {
      num_hidden_layers: 1,
      hidden_size: 32,
      num_attention_heads: 2,
      intermediate_size: 64,
      hidden_dropout_prob: 0,
    });
    const bert = new BertModel(cfg).eval();
    const w = Float32Array.from({ length: tok.vocabSize }, (_, i) => ((i * 37) % 101) / 100);
    const enc = new SentenceEncoder(bert, tok, 'sif', 16, w);
    const texts = ['how do i mount a usb drive', 'grub'];
    const b = enc.tokenize(texts);
    const [got, hidden] = await tidyAsync(async () => {
      const e = noGrad(() => enc.encode(b));
      const h = noGrad(() => bert.forward(b.ids, b.mask).lastHidden);
      return [await e.toArray(), await h.toArray()];
    });
    const H = 32,
      T = b.seqLen;
    for (let r = 0; r < texts.length; r++) {
      const want = new Float64Array(H);
      let wsum = 0;
      for (let t = 0; t < T; t++) {
        const k = r * T + t;
        const wt = b.hostMask[k] ? w[b.hostIds[k]] : 0;
        wsum += wt;
        for (let h = 0; h < H; h++) want[h] += wt * hidden[k * H + h];
      }
      for (let h = 0; h < H; h++) expect(got[r * H + h]).toBeCloseTo(want[h] / wsum, 5);
    }
    expect(() => new SentenceEncoder(bert, tok, 'sif', 16)).toThrow(/pooling "sif" needs token weights/);
    bert.dispose();
  });

  it('travels with an exported model; a dir without weights cannot pool by sif', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jepa-sif-'));
    const enc = await randomEncoder('tiny', { pooling: 'sif', maxTokens: 32 });
    expect(enc.tokenWeights![id('to')]).toBeLessThan(0.05); // among the most frequent title words
    expect(enc.tokenWeights![id('grub')]).toBeGreaterThan(0.5);
    await exportModel(
      join(dir, 'sif'),
      enc.bert,
      enc.tokenizer,
      { pooling: 'sif', maxTokens: 32, objective: 'none', step: 0 },
      enc.tokenWeights,
    );
    await exportModel(join(dir, 'plain'), enc.bert, enc.tokenizer, {
      pooling: 'mean',
      maxTokens: 32,
      objective: 'none',
      step: 0,
    });
    const texts = ['wifi drops after suspend', 'how to install ubuntu'];
    const want = await enc.embed(texts);
    enc.bert.dispose();
    const back = await loadEncoder(join(dir, 'sif'));
    expect(back.pooling).toBe('sif');
    const got = await back.embed(texts);
    got.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(want[i])));
    back.bert.dispose();
    await expect(loadEncoder(join(dir, 'plain'), { pooling: 'sif' })).rejects.toThrow(
      /pooling "sif" needs token_weights\.safetensors/,
    );
  });
});
