// From-scratch training knobs: the `words` input-embedding init and the word-table lr group.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { BertModel, bertConfig } from '@jepa/nn';
import { manualSeed } from '@jepa/tensor';
import { applyEmbeddingInit, WORDS_POSITION_SCALE } from '../src/model/init.ts';
import { randomEncoder } from '../src/model/load.ts';
import { resolveConfig } from '../src/train/config.ts';
import { trainParamGroups } from '../src/train/groups.ts';

const tiny = () => {
  manualSeed(3);
  return new BertModel(bertConfig('tiny', { num_hidden_layers: 1 }));
};

describe('embedding init', () => {
  it('`words` zeroes the token-type table, scales positions by 0.1 and leaves everything else alone', async () => {
    const a = tiny(), b = tiny();
    await applyEmbeddingInit(b, 'words');
    const [pa, pb] = await Promise.all([a.embeddings.positionEmbeddings.weight.toArray(), b.embeddings.positionEmbeddings.weight.toArray()]);
    for (const i of [0, 1, 777, pa.length - 1]) expect(pb[i]).toBeCloseTo(pa[i] * WORDS_POSITION_SCALE, 7);
    expect(Math.max(...(await b.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBe(0);
    expect(Math.max(...(await a.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBeGreaterThan(0.01);
    const [wa, wb] = await Promise.all([a.embeddings.wordEmbeddings.weight.toArray(), b.embeddings.wordEmbeddings.weight.toArray()]);
    const same = (x: Float32Array, y: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    expect(same(wb, wa)).toBe(true);
    await applyEmbeddingInit(a, 'bert');
    expect(same(await a.embeddings.positionEmbeddings.weight.toArray(), pa)).toBe(true);
    await expect(applyEmbeddingInit(a, 'glove' as 'bert')).rejects.toThrow(/embeddingInit: expected bert\|words, got glove/);
    a.dispose();
    b.dispose();
  });

  it('the random-init baseline takes the same init', async () => {
    const enc = await randomEncoder('tiny', { seed: 1, embeddingInit: 'words' });
    expect(Math.max(...(await enc.bert.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBe(0);
    enc.bert.dispose();
    expect(() => resolveConfig({ embeddingInit: 'zero' })).toThrow(/config "embeddingInit": expected one of bert\|words/);
  });
});

describe('word-table lr group', () => {
  it('scale 1 keeps the default grouping; otherwise the word table gets its own lr scale', () => {
    const m = tiny();
    const cfg = resolveConfig({ embLrScale: 0 });
    expect(trainParamGroups(m, [m], resolveConfig({}))).toEqual([m]);
    const groups = trainParamGroups(m, [m], cfg) as { params: unknown[]; lrScale?: number; weightDecay?: number }[];
    const word = m.embeddings.wordEmbeddings.weight;
    expect(groups[2]).toEqual({ params: [word], weightDecay: cfg.weightDecay, lrScale: 0 });
    expect(groups[0].params.length + groups[1].params.length + 1).toBe(m.parameters().length);
    expect(groups[0].params).not.toContain(word);
    expect(() => resolveConfig({ embLrScale: -1 })).toThrow(/config "embLrScale": must be >= 0/);
    m.dispose();
  });
});
