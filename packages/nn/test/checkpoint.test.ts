import '../../../test/gpu.ts';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getGeneratorState, keep, manualSeed, randn, type Tensor } from '@jepa/tensor';
import {
  AdamW,
  BertModel,
  Expander,
  bertConfig,
  loadCheckpoint,
  loadSafetensorsFile,
  saveCheckpoint,
  type Module,
} from '../src/index.ts';

const cfg = bertConfig('tiny', {
  vocab_size: 50,
  hidden_size: 32,
  num_attention_heads: 2,
  intermediate_size: 64,
  max_position_embeddings: 16,
});
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'ckpt-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function build(seed: number) {
  manualSeed(seed);
  const model = new BertModel(cfg);
  const expander = new Expander([32, 48, 16]);
  const opt = new AdamW([model, expander], { lr: 1e-2, maxGradNorm: 1 });
  return { model, expander, opt };
}

async function bits(m: Map<string, Tensor>): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [n, t] of m)
    out.set(n, Array.from(new Uint32Array((t.dtype === 'i32' ? await t.toInt32Array() : await t.toArray()).buffer)));
  return out;
}
const all = (model: Module, expander: Module) =>
  new Map([
    ...model.stateDict(),
    ...[...expander.stateDict()].map(([n, t]) => [`expander.${n}`, t] as [string, Tensor]),
  ]);

describe('checkpoints', () => {
  it('save -> load round trip is bit-exact (model, heads, optimizer, RNG, extra)', async () => {
    const a = build(1);
    for (let step = 0; step < 2; step++) {
      for (const p of a.opt.params) {
        p.zeroGrad();
        p.grad = keep(randn(p.shape));
      }
      a.opt.step();
    }
    a.expander.forward(randn([4, 32])).dispose(); // moves BatchNorm running stats
    manualSeed(77);
    randn([10]).dispose();
    const rng = getGeneratorState();
    const dir = await tmp();
    const saved = await saveCheckpoint(dir, {
      model: a.model,
      heads: { expander: a.expander },
      optimizer: a.opt,
      extra: { step: 2, note: 'x' },
    });
    expect(Object.keys(saved.files).sort()).toEqual(['model.safetensors', 'optimizer.safetensors']);
    const file = await loadSafetensorsFile(join(dir, 'model.safetensors'));
    expect(file.tensors.has('encoder.layer.1.attention.self.query.weight')).toBe(true); // HF names
    expect(file.tensors.has('expander.1.running_var')).toBe(true);

    const b = build(2);
    manualSeed(5);
    const res = await loadCheckpoint(dir, { model: b.model, heads: { expander: b.expander }, optimizer: b.opt });
    expect(res.extra).toEqual({ step: 2, note: 'x' });
    expect(getGeneratorState()).toEqual(rng);
    expect(b.opt.stepCount).toBe(2);
    expect(await bits(all(b.model, b.expander))).toEqual(await bits(all(a.model, a.expander)));
    const sa = a.opt.state(),
      sb = b.opt.state();
    expect(await bits(sb.tensors)).toEqual(await bits(sa.tensors));

    // wrong name / wrong shape fail naming the tensor
    const other = new BertModel({ ...cfg, intermediate_size: 96 });
    await expect(loadCheckpoint(dir, { model: other, heads: { expander: b.expander } })).rejects.toThrow(
      /shape mismatch for encoder.layer.0.intermediate.dense.weight: expected \[96, 32\], got \[64, 32\]/,
    );
    await expect(loadCheckpoint(dir, { model: b.model })).rejects.toThrow(/unexpected "expander.0.weight"/);
    await expect(
      loadCheckpoint(dir, { model: b.model, heads: { expander: new Expander([32, 48, 48, 16]) } }),
    ).rejects.toThrow(/missing "6.weight"/);
    for (const s of [sa, sb]) for (const t of s.tensors.values()) t.dispose();
    for (const x of [a, b]) {
      x.opt.dispose();
      x.model.dispose();
      x.expander.dispose();
    }
    other.dispose();
  });

  it('detects a torn checkpoint and a missing optimizer state', async () => {
    const a = build(3);
    const dir = await tmp();
    await saveCheckpoint(dir, { model: a.model });
    await expect(loadCheckpoint(dir, { model: a.model, optimizer: a.opt })).rejects.toThrow(/has no optimizer state/);
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    await truncate(join(dir, 'model.safetensors'), state.files['model.safetensors'] - 8);
    await expect(loadCheckpoint(dir, { model: a.model })).rejects.toThrow(
      /model.safetensors is \d+ bytes, state.json says/,
    );
    await writeFile(join(dir, 'state.json'), '{');
    await expect(loadCheckpoint(dir, { model: a.model })).rejects.toThrow(/cannot read .*state.json/);
    a.opt.dispose();
    a.model.dispose();
    a.expander.dispose();
  });
});
