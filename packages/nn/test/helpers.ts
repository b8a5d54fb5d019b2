// Shared test helpers for @jepa/nn.
import { randArray } from '../../tensor/test/helpers.ts';
import type { BertModel } from '../src/index.ts';

/** HF BertModel's state-dict names for `layers` layers, in HF order. */
export function hfNames(layers: number): string[] {
  const names = [
    'embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias',
  ];
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const m of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense']) names.push(`${p}${m}.weight`, `${p}${m}.bias`);
    names.push(`${p}attention.output.LayerNorm.weight`, `${p}attention.output.LayerNorm.bias`);
    names.push(`${p}intermediate.dense.weight`, `${p}intermediate.dense.bias`, `${p}output.dense.weight`, `${p}output.dense.bias`);
    names.push(`${p}output.LayerNorm.weight`, `${p}output.LayerNorm.bias`);
  }
  names.push('pooler.dense.weight', 'pooler.dense.bias');
  return names;
}

/** Random weights of a useful scale (std 0.02 makes attention nearly uniform and hides bugs). */
export function randomWeights(model: BertModel, seed = 11): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  model.namedParameters().forEach(([n, t], i) => {
    const r = randArray(t.size, seed + i, n.endsWith('bias') ? 0.1 : n.includes('LayerNorm') ? 0.2 : 0.25);
    if (n.includes('LayerNorm.weight')) r.forEach((v, j) => (r[j] = 1 + v));
    out.set(n, { shape: [...t.shape], data: r });
  });
  return out;
}

