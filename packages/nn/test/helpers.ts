// Shared test helpers for @jepa/nn.
import { expect } from 'vitest';
import { noGrad, tidy, type Tensor } from '@jepa/tensor';
import { randArray } from '../../tensor/test/helpers.ts';
import { copyInto, type Module } from '../src/index.ts';

/** HF BertModel's state-dict names for `layers` layers, in HF order. */
export function hfNames(layers: number): string[] {
  const names = [
    'embeddings.word_embeddings.weight',
    'embeddings.position_embeddings.weight',
    'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight',
    'embeddings.LayerNorm.bias',
  ];
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}.`;
    for (const m of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense'])
      names.push(`${p}${m}.weight`, `${p}${m}.bias`);
    names.push(`${p}attention.output.LayerNorm.weight`, `${p}attention.output.LayerNorm.bias`);
    names.push(
      `${p}intermediate.dense.weight`,
      `${p}intermediate.dense.bias`,
      `${p}output.dense.weight`,
      `${p}output.dense.bias`,
    );
    names.push(`${p}output.LayerNorm.weight`, `${p}output.LayerNorm.bias`);
  }
  names.push('pooler.dense.weight', 'pooler.dense.bias');
  return names;
}

/** Random weights of a useful scale (std 0.02 makes attention nearly uniform and hides bugs). */
export function randomWeights(model: Module, seed = 11): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  model.namedParameters().forEach(([n, t], i) => {
    const r = randArray(t.size, seed + i, n.endsWith('bias') ? 0.1 : n.includes('LayerNorm') ? 0.2 : 0.25);
    if (n.includes('LayerNorm.weight')) r.forEach((v, j) => (r[j] = 1 + v));
    out.set(n, { shape: [...t.shape], data: r });
  });
  return out;
}

/**
 * Directional-derivative check over every parameter of `modules`: sum(grad · v) from backward
 * against a central difference of the loss along v, all on the GPU in f32. The step is small
 * because BatchNorm over a 3-row batch puts some ReLU inputs within ~0.02 of the kink.
 */
export async function paramVjpCheck(modules: Module[], loss: () => Tensor, eps = 1e-4, rtol = 2e-2): Promise<void> {
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
  expect(Math.abs(analytic - numeric), `analytic ${analytic} vs numeric ${numeric}`).toBeLessThanOrEqual(
    rtol * Math.max(1, Math.abs(numeric)),
  );
}
