// Ops outside autograd that write into existing tensors (assign, zeroInPlace, adamwStep) or feed
// them (globalNorm, rowsPerBinding), against plain CPU references.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { expectClose, randArray } from './helpers.ts';
import { adamwRef, clipFactor } from '../../../test/ref/adamw.ts';

const { tensor } = T;

describe('assign and zeroInPlace', () => {
  it('write a region of a flat tensor through a view, from tensors of any layout and from host data', async () => {
    const flat = tensor(randArray(20, 1), [20]);
    const want = Array.from(await flat.toArray());
    // A [2, 3] region at element 5, from a transposed (non-dense) source.
    const src = tensor(randArray(6, 2), [3, 2]);
    const region = flat.view([2, 3], [3, 1], 5);
    region.assign(src.T);
    const st = await src.toArray();
    [0, 1].forEach((r) => [0, 1, 2].forEach((c) => (want[5 + 3 * r + c] = st[2 * c + r])));
    // Host data into [12, 16); i32 values into an f32 tensor are converted.
    const host = flat.view([4], [1], 12).assign(Int32Array.from([7, -3, 0, 2]));
    want.splice(12, 4, 7, -3, 0, 2);
    // From another region of the same buffer (copied through a temporary).
    flat.view([2], [1], 0).assign(flat.view([2], [1], 18));
    want.splice(0, 2, want[18], want[19]);
    const zeroed = flat.view([3], [1], 16).zeroInPlace();
    want.splice(16, 3, 0, 0, 0);
    expectClose(await flat.toArray(), want, 0, 0, 'flat');
    for (const t of [flat, src, region, host, zeroed]) t.dispose();
  });

  it('names the tensor at fault', () => {
    const x = tensor(randArray(6, 3), [2, 3]);
    expect(() => x.T.assign(x, 'w')).toThrow(/assign w: destination f32\[3, 2\] is not dense, got strides \[1, 3\]/);
    expect(() => x.assign(new Float32Array(5), 'w')).toThrow(/assign w: 5 values for a tensor of 6/);
    expect(() => x.T.zeroInPlace('g')).toThrow(/zeroInPlace g: destination f32\[3, 2\] is not dense/);
    x.dispose();
  });
});

const norm64 = (xs: ArrayLike<number>[]) =>
  Math.sqrt(xs.reduce((s, x) => s + Array.from(x).reduce((a, b) => a + b * b, 0), 0));

describe('adamwStep and globalNorm', () => {
  it('globalNorm over several tensors (odd sizes, a strided view, an empty one) matches float64', async () => {
    const a = tensor(randArray(4099, 4), [4099]),
      b = tensor(randArray(35, 5), [5, 7]),
      e = T.zeros([0]);
    const bt = b.T;
    const n = T.globalNorm([a, bt, e]);
    expect(n.shape).toEqual([1]);
    const want = norm64([await a.toArray(), await b.toArray()]);
    expect(Math.abs((await n.item()) / want - 1)).toBeLessThan(1e-5);
    const out = T.zeros([1]);
    expect(T.globalNorm([], out)).toBe(out);
    expect(await out.item()).toBe(0);
    expect(() => T.globalNorm([T.zeros([2], 'i32')])).toThrow(/globalNorm: expects f32 tensors, got i32\[2\]/);
    for (const t of [a, b, bt, e, n, out]) t.dispose();
  });

  it('adamwStep on regions at odd offsets, several steps, gradScale and in-kernel clipping, matches float64', async () => {
    const n = 1001,
      off = 13;
    // param, m, v live inside larger buffers, as slots of an optimizer's flat chunk do.
    const big = (seed: number) =>
      tensor(seed ? randArray(n + 2 * off, seed) : new Float32Array(n + 2 * off), [n + 2 * off]);
    const [P, M, V] = [big(6), big(0), big(0)];
    const [p, m, v] = [P, M, V].map((t) => t.view([n], [1], off));
    const pc = Float64Array.from(await p.toArray()),
      mc = new Float64Array(n),
      vc = new Float64Array(n);
    const norm = T.zeros([1]);
    let clipped = 0;
    for (let step = 1; step <= 4; step++) {
      const g = randArray(n, 10 + step, 0.05 * step); // gradScale·norm ≈ 0.46·step: the clip at 1 starts at step 3
      const gt = tensor(g, [n]);
      const o = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, step, gradScale: 0.5 };
      T.globalNorm([gt], norm);
      T.adamwStep(p, gt, m, v, { ...o, clip: { norm, maxNorm: 1 } });
      adamwRef(
        pc,
        mc,
        vc,
        Float64Array.from(g, (x) => x * 0.5 * clipFactor(0.5 * norm64([g]), 1)),
        o,
        step,
      );
      clipped += Number(0.5 * norm64([g]) > 1);
      gt.dispose();
    }
    expect(clipped).toBe(2);
    expectClose(await p.toArray(), pc, 2e-6, 2e-6, 'param');
    expectClose(await m.toArray(), mc, 1e-5, 1e-7, 'm');
    expectClose(await v.toArray(), vc, 1e-5, 1e-9, 'v');
    // Nothing outside the regions moved.
    const edges = async (t: T.Tensor) => Array.from(await t.toArray()).filter((_, i) => i < off || i >= off + n);
    expect(await edges(M)).toEqual(new Array(2 * off).fill(0));
    expect(await edges(P)).toEqual(Array.from(randArray(n + 2 * off, 6)).filter((_, i) => i < off || i >= off + n));
    expect(() =>
      T.adamwStep(p, T.zeros([n - 1]), m, v, { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, step: 1 }),
    ).toThrow(/adamwStep: param must be a dense f32 tensor of 1000 elements/);
    for (const t of [P, M, V, p, m, v, norm]) t.dispose();
  });
});

describe('rowsPerBinding', () => {
  it('counts the rows that fit one binding and names the row that does not', () => {
    expect(T.rowsPerBinding(1, 'x', 60)).toBe(15);
    expect(T.rowsPerBinding(30522, 'logits row')).toBe(
      Math.floor(T.runtime().limits.maxStorageBufferBindingSize / (4 * 30522)),
    );
    expect(() => T.rowsPerBinding(16, 'Linear(16→2): one weight row', 32)).toThrow(
      /Linear\(16→2\): one weight row \(64 bytes\) exceeds the 32-byte binding limit/,
    );
  });
});
