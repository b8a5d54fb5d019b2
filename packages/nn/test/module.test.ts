import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { manualSeed, tensor, tidy, zeros } from '@jepa/tensor';
import { BatchNorm1d, Dropout, Expander, GELU, Linear, Module, ReLU, Sequential } from '../src/index.ts';

class Block extends Module {
  readonly fc: Linear;
  readonly bn: BatchNorm1d;
  constructor() {
    super();
    this.fc = this.registerModule('fc', new Linear(3, 4));
    this.bn = this.registerModule('bn', new BatchNorm1d(4));
    this.registerParameter('scale', zeros([1]));
  }
}

describe('Module', () => {
  it('names parameters and buffers with dotted paths, as PyTorch', () => {
    const b = new Block();
    expect(b.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`)).toEqual([
      'scale:1',
      'fc.weight:4x3',
      'fc.bias:4',
      'bn.weight:4',
      'bn.bias:4',
    ]);
    expect(b.namedBuffers().map(([n]) => n)).toEqual(['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect([...b.stateDict().keys()]).toHaveLength(8);
    expect(b.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(() => b.registerModule('fc', new Linear(1, 1))).toThrow(/"fc" is already registered/);
    expect(() => b.registerParameter('a.b', zeros([1]))).toThrow(/invalid name "a.b"/);
    b.dispose();
  });

  it('train()/eval() reach every descendant', () => {
    const s = new Sequential(new Linear(2, 2), new Sequential(new ReLU(), new GELU()));
    expect(s.training).toBe(true);
    s.eval();
    expect([...s.namedModules()].every(([, m]) => !m.training)).toBe(true);
    s.train();
    expect([...s.namedModules()].every(([, m]) => m.training)).toBe(true);
    s.dispose();
  });

  it('loadStateDict copies into the existing storage and round-trips', async () => {
    manualSeed(1);
    const a = new Block();
    manualSeed(2);
    const b = new Block();
    const w = b.fc.weight;
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missing: [], unexpected: [], mismatched: [] });
    expect(b.fc.weight).toBe(w); // same tensor, new values
    expect(Array.from(await w.toArray())).toEqual(Array.from(await a.fc.weight.toArray()));
    // Host arrays (as read from safetensors) load too.
    b.loadStateDict(
      new Map([...a.stateDict()].map(([n, t]) => [n, n === 'scale' ? { shape: [1], data: Float32Array.of(7) } : t])),
    );
    expect((await b.stateDict().get('scale')!.toArray())[0]).toBe(7);
    a.dispose();
    b.dispose();
  });

  it('strict loading names the missing, unexpected and mis-shaped tensors', () => {
    const b = new Block();
    const sd = new Map(b.stateDict());
    sd.delete('fc.bias');
    sd.set('fc.extra', zeros([2]));
    sd.set('bn.weight', zeros([5]));
    expect(() => b.loadStateDict(sd)).toThrow(
      /missing "fc.bias".*unexpected "fc.extra".*shape mismatch for bn.weight: expected \[4\], got \[5\]/,
    );
    const res = b.loadStateDict(sd, { strict: false });
    expect(res.missing).toEqual(['fc.bias']);
    expect(res.unexpected).toEqual(['fc.extra']);
    expect(res.mismatched).toEqual(['bn.weight: expected [4], got [5]']);
    b.dispose();
  });

  it('Linear uses the [out, in] layout and BERT init', async () => {
    manualSeed(3);
    const l = new Linear(64, 32);
    const w = await l.weight.toArray();
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.017);
    expect(std).toBeLessThan(0.023);
    expect(Array.from(await l.bias!.toArray()).every((x) => x === 0)).toBe(true);
    const y = tidy(() => l.forward(tensor(new Float32Array(64).fill(1), [1, 64])));
    const rowSums = Array.from({ length: 32 }, (_, o) => w.slice(o * 64, o * 64 + 64).reduce((s, x) => s + x, 0));
    const got = await y.toArray();
    rowSums.forEach((s, i) => expect(got[i]).toBeCloseTo(s, 5));
    expect(new Linear(2, 3, { bias: false }).bias).toBeUndefined();
    expect(() => new Linear(0, 3)).toThrow(/inFeatures must be a positive integer/);
  });

  it('Expander has the official VICReg layout and names', () => {
    const e = new Expander([8, 16, 16, 4], { finalBias: false });
    expect(e.namedParameters().map(([n]) => n)).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '3.weight',
      '3.bias',
      '4.weight',
      '4.bias',
      '6.weight',
    ]);
    expect(e.namedBuffers().map(([n]) => n)).toContain('4.running_var');
    expect(() => new Expander([8])).toThrow(/at least \[in, out\]/);
    e.dispose();
  });

  it('Sequential chains layers; Dropout acts only in training mode', async () => {
    const seq = new Sequential(new Linear(4, 8), new ReLU(), new Dropout(0.5));
    const x = tensor(new Float32Array(64 * 4).fill(1), [64, 4]);
    const y = await tidy(() => seq.forward(x)).toArray();
    seq.eval();
    const e = await tidy(() => seq.forward(x)).toArray();
    const kept = y.filter((v) => v !== 0);
    // training: about half dropped, the rest scaled by 1 / (1 - p)
    const live = e.filter((v) => v !== 0).length;
    expect(kept.length).toBeGreaterThan(0.3 * live);
    expect(kept.length).toBeLessThan(0.7 * live);
    y.forEach((v, i) => v !== 0 && expect(v).toBeCloseTo(2 * e[i], 5));
    expect(() => new Dropout(1)).toThrow(/p must be in \[0, 1\)/);
    seq.dispose();
  });
});
