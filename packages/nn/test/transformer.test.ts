// MultiheadAttention and TransformerEncoderLayer against a float64 CPU reference (forward, and
// every input and parameter gradient against float64 finite differences), odd shapes, the key
// mask and the causal option; and against PyTorch's own layers (same names, same weights) when
// /usr/bin/python3 has torch.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tensor, tidy, type Tensor } from '@jepa/tensor';
import { expectClose, fdGrad, randArray } from '../../tensor/test/helpers.ts';
import { type Module, MultiheadAttention, Sequential, TransformerEncoderLayer } from '../src/index.ts';
import { cpuEncoderLayer, cpuMha, type LayerWeights, type MhaWeights } from './transformer-ref.ts';

const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
const SCRIPT = fileURLToPath(new URL('./torch-transformer.py', import.meta.url));

/** Random weights of a useful scale for every parameter of `m`, by name. */
function weightsFor(m: Module, seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  m.namedParameters().forEach(([n, t], i) => {
    const r = randArray(t.size, seed + 10 * i, n.endsWith('bias') ? 0.2 : 0.5);
    if (n.startsWith('norm') && n.endsWith('weight')) r.forEach((v, j) => (r[j] = 1 + v * 0.5));
    out.set(n, { shape: [...t.shape], data: r });
  });
  return out;
}

interface Case {
  B: number;
  T: number;
  S?: number;
  E: number;
  H: number;
  causal?: boolean;
  mask?: Float32Array;
  cross?: boolean;
  valueSeparate?: boolean;
}

/** Pads the tail of each row: row b keeps S - b keys (at least one). */
const tailMask = (B: number, S: number) =>
  Float32Array.from({ length: B * S }, (_, i) => (i % S < Math.max(1, S - Math.floor(i / S)) ? 1 : 0));

async function gradsOf(m: Module, inputs: Tensor[]): Promise<Float32Array[]> {
  return Promise.all([...inputs, ...m.parameters()].map((t) => t.grad!.toArray()));
}

async function checkMha(c: Case): Promise<void> {
  const { B, T, E, H } = c;
  const S = c.S ?? T;
  const mha = new MultiheadAttention(E, H).eval();
  const w = weightsFor(mha, 3);
  mha.loadStateDict(w);
  const q = randArray(B * T * E, 1),
    k = randArray(B * S * E, 2),
    v = randArray(B * S * E, 4);
  const qT = tensor(q, [B, T, E]).requireGrad();
  const kT = c.cross ? tensor(k, [B, S, E]).requireGrad() : qT;
  const vT = c.valueSeparate ? tensor(v, [B, S, E]).requireGrad() : kT;
  const maskT = c.mask && tensor(c.mask, [B, S]);
  let u: Float32Array = new Float32Array(0);
  // Forward and backward in one scope: the intermediates backward reads live until it is done.
  const out = tidy(() => {
    const o = mha.forward(qT, kT, vT, { keyMask: maskT, causal: c.causal });
    u = randArray(o.size, 9);
    o.mul(tensor(u, o.shape)).sum().backward();
    return o;
  });

  const inputs = [qT, ...(c.cross ? [kT] : []), ...(c.valueSeparate ? [vT] : [])];
  const ni = inputs.length;
  const names = ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'];
  const f = (xs: Float64Array[]) => {
    const wt: MhaWeights = {
      in_proj_weight: xs[ni],
      in_proj_bias: xs[ni + 1],
      out_weight: xs[ni + 2],
      out_bias: xs[ni + 3],
    };
    const kk = c.cross ? xs[1] : xs[0];
    const vv = c.valueSeparate ? xs[2] : kk;
    return cpuMha(xs[0], kk, vv, wt, { B, T, S, E, H, causal: c.causal, mask: c.mask });
  };
  const xs = [q, ...(c.cross ? [k] : []), ...(c.valueSeparate ? [v] : []), ...names.map((n) => w.get(n)!.data)].map(
    (x) => Float64Array.from(x),
  );
  expect(mha.namedParameters().map(([n]) => n)).toEqual(names);
  expectClose(await out.toArray(), f(xs), 1e-4, 1e-4, 'forward');
  const fd = fdGrad(f, xs, Float64Array.from(u));
  const got = await gradsOf(mha, inputs);
  got.forEach((g, i) => expectClose(g, fd[i], 2e-3, 2e-3, `grad of ${i < ni ? `input ${i}` : names[i - ni]}`));
  for (const t of [qT, kT, vT, out, maskT]) {
    t?.grad?.dispose();
    t?.dispose();
  }
  mha.dispose();
}

const LAYER_NAMES = [
  'self_attn.in_proj_weight',
  'self_attn.in_proj_bias',
  'self_attn.out_proj.weight',
  'self_attn.out_proj.bias',
  'linear1.weight',
  'linear1.bias',
  'linear2.weight',
  'linear2.bias',
  'norm1.weight',
  'norm1.bias',
  'norm2.weight',
  'norm2.bias',
];

async function checkLayer(c: {
  B: number;
  T: number;
  E: number;
  H: number;
  F: number;
  normFirst: boolean;
  activation: 'relu' | 'gelu';
  causal?: boolean;
  mask?: Float32Array;
}): Promise<void> {
  const { B, T, E } = c;
  const layer = new TransformerEncoderLayer(E, c.H, {
    dimFeedforward: c.F,
    normFirst: c.normFirst,
    activation: c.activation,
    dropout: 0.1,
  }).eval();
  expect(layer.namedParameters().map(([n]) => n)).toEqual(LAYER_NAMES);
  const w = weightsFor(layer, 5);
  layer.loadStateDict(w);
  const x = randArray(B * T * E, 1);
  const xT = tensor(x, [B, T, E]).requireGrad();
  const maskT = c.mask && tensor(c.mask, [B, T]);
  let u: Float32Array = new Float32Array(0);
  // Forward and backward in one scope: the intermediates backward reads live until it is done.
  const out = tidy(() => {
    const o = layer.forward(xT, { keyMask: maskT, causal: c.causal });
    u = randArray(o.size, 9);
    o.mul(tensor(u, o.shape)).sum().backward();
    return o;
  });
  const f = (xs: Float64Array[]) => {
    const g = (n: string) => xs[1 + LAYER_NAMES.indexOf(n)];
    const wt: LayerWeights = {
      in_proj_weight: g('self_attn.in_proj_weight'),
      in_proj_bias: g('self_attn.in_proj_bias'),
      out_weight: g('self_attn.out_proj.weight'),
      out_bias: g('self_attn.out_proj.bias'),
      linear1_weight: g('linear1.weight'),
      linear1_bias: g('linear1.bias'),
      linear2_weight: g('linear2.weight'),
      linear2_bias: g('linear2.bias'),
      norm1_weight: g('norm1.weight'),
      norm1_bias: g('norm1.bias'),
      norm2_weight: g('norm2.weight'),
      norm2_bias: g('norm2.bias'),
    };
    return cpuEncoderLayer(xs[0], wt, { ...c, eps: 1e-5 });
  };
  const xs = [x, ...LAYER_NAMES.map((n) => w.get(n)!.data)].map((a) => Float64Array.from(a));
  expectClose(await out.toArray(), f(xs), 2e-4, 2e-4, 'forward');
  const fd = fdGrad(f, xs, Float64Array.from(u));
  const got = await gradsOf(layer, [xT]);
  got.forEach((g, i) => expectClose(g, fd[i], 3e-3, 3e-3, `grad of ${i === 0 ? 'x' : LAYER_NAMES[i - 1]}`));
  for (const t of [xT, out, maskT]) {
    t?.grad?.dispose();
    t?.dispose();
  }
  layer.dispose();
}

describe('MultiheadAttention', () => {
  it('self-attention: forward and every gradient match the float64 reference (d = 4)', () =>
    checkMha({ B: 2, T: 5, E: 8, H: 2 }));
  it('odd shapes (E = 10, 2 heads of d = 5, T = 7) with a key mask', () =>
    checkMha({ B: 3, T: 7, E: 10, H: 2, mask: tailMask(3, 7) }));
  it('causal self-attention with a key mask', () =>
    checkMha({ B: 2, T: 6, E: 6, H: 3, causal: true, mask: tailMask(2, 6) }));
  it('cross-attention (T = 3 queries, S = 5 keys) with a key mask', () =>
    checkMha({ B: 2, T: 3, S: 5, E: 8, H: 2, cross: true, mask: tailMask(2, 5) }));
  it('cross-attention with separate key and value inputs, causal with T > S', () =>
    checkMha({ B: 2, T: 5, S: 3, E: 8, H: 4, cross: true, valueSeparate: true, causal: true }));

  it('a padded key changes no output', async () => {
    const mha = new MultiheadAttention(4, 2).eval();
    const x = tensor(randArray(2 * 3 * 4, 1), [2, 3, 4]);
    const keep = tensor(Float32Array.from([1, 1, 0, 1, 1, 1]), [2, 3]);
    const a = await tidy(() => mha.forward(x, x, x, { keyMask: keep })).toArray();
    // Moving batch row 0's padded position 2 leaves that row's outputs at positions 0 and 1 alone.
    const x2d = randArray(2 * 3 * 4, 1);
    for (let i = 8; i < 12; i++) x2d[i] += 5;
    const x2 = tensor(x2d, [2, 3, 4]);
    const b = await tidy(() => mha.forward(x2, x2, x2, { keyMask: keep })).toArray();
    expectClose(b.subarray(0, 8), a.subarray(0, 8), 1e-5, 1e-5, 'unmasked positions');
    for (const t of [x, x2, keep]) t.dispose();
    mha.dispose();
  });

  it('is a Layer (forward(x) alone is self-attention, in a Sequential) and names bad inputs', async () => {
    const mha = new MultiheadAttention(4, 2, { causal: true });
    const seq = new Sequential(mha);
    expect(seq.namedParameters().map(([n]) => n)).toEqual([
      '0.in_proj_weight',
      '0.in_proj_bias',
      '0.out_proj.weight',
      '0.out_proj.bias',
    ]);
    const x = tensor(randArray(8, 1), [1, 2, 4]);
    const a = await tidy(() => seq.forward(x)).toArray();
    const b = await tidy(() => mha.forward(x, x, x, { causal: true })).toArray();
    expectClose(a, b, 0, 0, 'Sequential');
    expect(() => new MultiheadAttention(6, 4)).toThrow(
      /MultiheadAttention: embedDim 6 must be divisible by numHeads 4/,
    );
    expect(() => mha.forward(tensor(randArray(6, 1), [1, 2, 3]))).toThrow(
      /MultiheadAttention\(4, 2\): query must be \[B, T, 4\], got \[1, 2, 3\]/,
    );
    expect(() => mha.forward(x, tensor(randArray(4, 1), [1, 1, 4]), tensor(randArray(8, 1), [1, 2, 4]))).toThrow(
      /value must be \[1, 1, 4\] like key, got \[1, 2, 4\]/,
    );
    x.dispose();
    seq.dispose();
  });
});

describe('TransformerEncoderLayer', () => {
  it('post-norm, ReLU: forward and every gradient match the float64 reference', () =>
    checkLayer({ B: 2, T: 5, E: 8, H: 2, F: 12, normFirst: false, activation: 'relu' }));
  it('pre-norm, GELU, odd shapes (E = 6, 3 heads, T = 7, F = 10) with a key mask', () =>
    checkLayer({ B: 2, T: 7, E: 6, H: 3, F: 10, normFirst: true, activation: 'gelu', mask: tailMask(2, 7) }));
  it('causal, post-norm, GELU, with a key mask', () =>
    checkLayer({
      B: 2,
      T: 4,
      E: 8,
      H: 4,
      F: 8,
      normFirst: false,
      activation: 'gelu',
      causal: true,
      mask: tailMask(2, 4),
    }));

  it('dropout acts only in training mode', async () => {
    const layer = new TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0.5 });
    const x = tensor(randArray(2 * 4 * 8, 1), [2, 4, 8]);
    const run = () => tidy(() => layer.forward(x)).toArray();
    layer.eval();
    expectClose(await run(), await run(), 0, 0, 'eval');
    layer.train();
    const [a, b] = [await run(), await run()];
    expect(a.some((v, i) => v !== b[i])).toBe(true);
    x.dispose();
    layer.dispose();
  });
});

describe.runIf(hasTorch)('against PyTorch (nn.MultiheadAttention / nn.TransformerEncoderLayer, float64)', () => {
  async function parity(
    kind: 'mha' | 'layer',
    c: Record<string, unknown> & { B: number; T: number; S?: number; E: number; H: number; mask?: Float32Array },
  ): Promise<void> {
    const { B, T, E, H } = c;
    const S = c.S ?? T;
    const m: Module =
      kind === 'mha'
        ? new MultiheadAttention(E, H).eval()
        : new TransformerEncoderLayer(E, H, {
            dimFeedforward: c.F as number,
            normFirst: c.normFirst as boolean,
            activation: c.activation as 'relu',
          }).eval();
    const w = weightsFor(m, 21);
    m.loadStateDict(w);
    const q = randArray(B * T * E, 1),
      kv = randArray(B * S * E, 2);
    const qT = tensor(q, [B, T, E]).requireGrad();
    const kvT = c.cross ? tensor(kv, [B, S, E]).requireGrad() : null;
    const maskT = c.mask && tensor(c.mask, [B, S]);
    const opts = { keyMask: maskT, causal: c.causal as boolean | undefined };
    let u: Float32Array = new Float32Array(0);
    // Forward and backward in one scope: the intermediates backward reads live until it is done.
    const out = tidy(() => {
      const o =
        m instanceof MultiheadAttention
          ? m.forward(qT, kvT ?? qT, kvT ?? qT, opts)
          : (m as TransformerEncoderLayer).forward(qT, opts);
      u = randArray(o.size, 9);
      o.mul(tensor(u, o.shape)).sum().backward();
      return o;
    });
    const tensors: Record<string, { shape: number[]; data: number[] }> = {
      q: { shape: [B, T, E], data: [...q] },
      u: { shape: [...out.shape], data: [...u] },
    };
    if (c.cross) tensors.kv = { shape: [B, S, E], data: [...kv] };
    if (c.mask) tensors.mask = { shape: [B, S], data: [...c.mask] };
    for (const [n, t] of w) tensors[n] = { shape: t.shape, data: [...t.data] };
    const dir = mkdtempSync(join(tmpdir(), 'torch-tf-'));
    try {
      writeFileSync(join(dir, 'case.json'), JSON.stringify({ kind, ...c, mask: undefined, eps: 1e-5, tensors }));
      const r = spawnSync(PY, [SCRIPT, join(dir, 'case.json')], {
        encoding: 'utf8',
        env: { ...process.env, OMP_NUM_THREADS: '1' },
      });
      if (r.status !== 0) throw new Error(`torch-transformer.py: ${r.stderr}`);
      const ref = JSON.parse(r.stdout) as Record<string, number[]>;
      expectClose(await out.toArray(), ref.out, 1e-4, 1e-4, 'forward vs PyTorch');
      expectClose(await qT.grad!.toArray(), ref.q, 1e-3, 1e-3, 'grad q vs PyTorch');
      if (kvT) expectClose(await kvT.grad!.toArray(), ref.kv, 1e-3, 1e-3, 'grad kv vs PyTorch');
      for (const [n, p] of m.namedParameters())
        expectClose(await p.grad!.toArray(), ref[n], 1e-3, 1e-3, `grad ${n} vs PyTorch`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const t of [qT, kvT, out, maskT]) {
        t?.grad?.dispose();
        t?.dispose();
      }
      m.dispose();
    }
  }

  it('MultiheadAttention, self, causal, key mask', () =>
    parity('mha', { B: 2, T: 5, E: 8, H: 2, causal: true, mask: tailMask(2, 5) }));
  it('MultiheadAttention, cross (T = 3, S = 6), key mask', () =>
    parity('mha', { B: 2, T: 3, S: 6, E: 12, H: 3, cross: true, mask: tailMask(2, 6) }));
  it('TransformerEncoderLayer post-norm ReLU, key mask', () =>
    parity('layer', { B: 2, T: 6, E: 8, H: 2, F: 16, normFirst: false, activation: 'relu', mask: tailMask(2, 6) }));
  it('TransformerEncoderLayer pre-norm GELU, causal', () =>
    parity('layer', { B: 2, T: 5, E: 8, H: 4, F: 12, normFirst: true, activation: 'gelu', causal: true }));
});
