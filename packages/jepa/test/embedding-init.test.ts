// From-scratch training knobs: the `words` input-embedding init and the word-table lr group.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { BertModel, BertTokenizer, bertConfig, isNoDecay } from '@jepa/nn';
import { manualSeed } from '@jepa/tensor';
import { applyEmbeddingInit, WORDS_POSITION_SCALE } from '../src/model/init.ts';
import { randomEncoder } from '../src/model/load.ts';
import { RECIPES, resolveConfig } from '../src/train/config.ts';
import { frozenParams, trainParamGroups } from '../src/train/groups.ts';

const tiny = () => {
  manualSeed(3);
  return new BertModel(bertConfig('tiny', { num_hidden_layers: 1 }));
};

describe('embedding init', () => {
  it('`words` zeroes the token-type table, scales positions by 0.1 and leaves everything else alone', async () => {
    const a = tiny(),
      b = tiny();
    await applyEmbeddingInit(b, 'words');
    const [pa, pb] = await Promise.all([
      a.embeddings.positionEmbeddings.weight.toArray(),
      b.embeddings.positionEmbeddings.weight.toArray(),
    ]);
    for (const i of [0, 1, 777, pa.length - 1]) expect(pb[i]).toBeCloseTo(pa[i] * WORDS_POSITION_SCALE, 7);
    expect(Math.max(...(await b.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBe(0);
    expect(Math.max(...(await a.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBeGreaterThan(0.01);
    const [wa, wb] = await Promise.all([
      a.embeddings.wordEmbeddings.weight.toArray(),
      b.embeddings.wordEmbeddings.weight.toArray(),
    ]);
    const same = (x: Float32Array, y: Float32Array) =>
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    expect(same(wb, wa)).toBe(true);
    await applyEmbeddingInit(a, 'bert');
    expect(same(await a.embeddings.positionEmbeddings.weight.toArray(), pa)).toBe(true);
    await expect(applyEmbeddingInit(a, 'glove' as 'bert')).rejects.toThrow(
      /embeddingInit: expected bert\|words\|ppmi, got glove/,
    );
    a.dispose();
    b.dispose();
  });

  it("`ppmi` is `words` with the pool tokens' rows from co-occurrence, at the random rows' mean norm", async () => {
    const a = tiny(),
      b = tiny();
    const tokenizer = BertTokenizer.default();
    const topics = [
      ['boot', 'partition', 'disk', 'kernel'],
      ['sound', 'speaker', 'audio', 'volume'],
    ]; // one word piece each
    const pool = Array.from({ length: 60 }, (_, i) =>
      topics[i % 2].filter((_, j) => j !== Math.floor(i / 2) % 4).join(' '),
    );
    await expect(applyEmbeddingInit(b, 'ppmi')).rejects.toThrow(/embeddingInit ppmi: needs the training pool/);
    const report = await applyEmbeddingInit(b, 'ppmi', { tokenizer, pool, maxTokens: 16, seed: 1 });
    expect(report!.rows).toBe(8);
    expect(Math.max(...(await b.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBe(0);
    const [wa, wb] = await Promise.all([
      a.embeddings.wordEmbeddings.weight.toArray(),
      b.embeddings.wordEmbeddings.weight.toArray(),
    ]);
    const dim = a.config.hidden_size;
    const row = (w: Float32Array, t: string) =>
      w.subarray(tokenizer.tokenToId(t) * dim, (tokenizer.tokenToId(t) + 1) * dim);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
    let mean = 0;
    for (let r = 0; r < wa.length / dim; r++)
      mean +=
        Math.sqrt(dot(wa.subarray(r * dim, (r + 1) * dim), wa.subarray(r * dim, (r + 1) * dim))) / (wa.length / dim);
    for (const t of topics.flat()) expect(Math.sqrt(dot(row(wb, t), row(wb, t)))).toBeCloseTo(mean, 4);
    expect([...row(wb, 'mouse')]).toEqual([...row(wa, 'mouse')]); // not in the pool: its random row
    const cos = (x: string, y: string) => dot(row(wb, x), row(wb, y)) / mean ** 2;
    expect(cos('boot', 'disk')).toBeGreaterThan(0.3); // random rows: ≈ 0 ± 0.09
    expect(cos('sound', 'volume')).toBeGreaterThan(0.3);
    expect(cos('boot', 'audio')).toBeLessThan(0.05);
    a.dispose();
    b.dispose();
  });

  it('the random-init baseline takes the same init', async () => {
    const enc = await randomEncoder('tiny', { seed: 1, embeddingInit: 'words' });
    expect(Math.max(...(await enc.bert.embeddings.tokenTypeEmbeddings.weight.toArray()).map(Math.abs))).toBe(0);
    enc.bert.dispose();
    expect(() => resolveConfig({ embeddingInit: 'zero' })).toThrow(
      /config "embeddingInit": expected one of bert\|words\|ppmi/,
    );
    expect(() => resolveConfig({ embeddingInit: 'ppmi', init: 'runs/x' })).toThrow(
      'config "embeddingInit": shapes a model built from scratch; with init the weights come from runs/x, so it would be ignored, got "ppmi"',
    );
    expect(resolveConfig({ init: 'runs/x' }).embeddingInit).toBe('bert');
  });
});

describe('word-table and layer lr groups', () => {
  it('scale 1 keeps the default grouping; otherwise the word table gets its own lr scale, and 0 freezes it', () => {
    const m = tiny();
    const word = m.embeddings.wordEmbeddings.weight;
    expect(trainParamGroups(m, [m], resolveConfig(RECIPES.bert))).toEqual([m]);
    expect(frozenParams(m, resolveConfig(RECIPES.bert))).toEqual([]);
    const six = trainParamGroups(m, [m], resolveConfig(RECIPES.bert, { embLrScale: 6 })) as {
      params: unknown[];
      lrScale?: number;
      weightDecay?: number;
    }[];
    expect(six[2]).toEqual({ params: [word], weightDecay: resolveConfig(RECIPES.bert).weightDecay, lrScale: 6 });
    expect(six[0].params.length + six[1].params.length + 1).toBe(m.parameters().length);
    expect(six[0].params).not.toContain(word);
    // Frozen: out of the optimizer, and named by frozenParams (the trainer turns off their gradients).
    const zero = trainParamGroups(m, [m], resolveConfig(RECIPES.bert, { embLrScale: 0 })) as { params: unknown[] }[];
    expect(zero.flatMap((g) => g.params)).not.toContain(word);
    expect(zero.flatMap((g) => g.params).length).toBe(m.parameters().length - 1);
    expect(frozenParams(m, resolveConfig(RECIPES.bert, { embLrScale: 0 }))).toEqual([word]);
    expect(() => resolveConfig(RECIPES.bert, { embLrScale: -1 })).toThrow(/config "embLrScale": must be >= 0/);
    m.dispose();
  });

  it('layerLrScale puts the Transformer layers in groups of their own; every parameter in exactly one group', () => {
    const m = tiny();
    const layers = new Set(m.encoder.parameters());
    const word = m.embeddings.wordEmbeddings.weight;
    for (const [embLrScale, layerLrScale] of [
      [1, 0],
      [6, 0.5],
    ] as const) {
      const groups = trainParamGroups(m, [m], resolveConfig(RECIPES.bert, { embLrScale, layerLrScale })) as {
        params: unknown[];
        lrScale?: number;
        weightDecay: number;
      }[];
      // Every parameter in exactly one group, or frozen (scale 0: out of the optimizer).
      const frozen = frozenParams(m, resolveConfig(RECIPES.bert, { embLrScale, layerLrScale }));
      expect(frozen.length).toBe(layerLrScale === 0 ? layers.size : 0);
      const seen = [...groups.flatMap((g) => g.params), ...frozen];
      expect(seen.length).toBe(m.parameters().length);
      expect(new Set(seen).size).toBe(seen.length);
      for (const g of groups) {
        const inLayers = g.params.filter((t) => layers.has(t as never)).length;
        expect(inLayers === 0 || inLayers === g.params.length).toBe(true); // no group mixes layers and the rest
        const expected = inLayers ? layerLrScale : g.params.includes(word) ? embLrScale : 1;
        expect(g.lrScale ?? 1).toBe(expected);
        for (const t of g.params) expect(isNoDecay(t as never)).toBe(g.weightDecay === 0); // decay on matrices only, as before
      }
      expect(groups.filter((g) => g.params.some((t) => layers.has(t as never))).flatMap((g) => g.params).length).toBe(
        layerLrScale === 0 ? 0 : layers.size,
      );
    }
    expect(() => resolveConfig({ layerLrScale: -0.5 })).toThrow(/config "layerLrScale": must be >= 0, got -0.5/);
    m.dispose();
  });
});
