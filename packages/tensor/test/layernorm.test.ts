import '../../../test/gpu.ts';
import { forceVariant } from '@jepa/kernels';
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { checkOp, expectClose, randArray, vjpCheck } from './helpers.ts';

/** float64 reference: y = (x - mean) / sqrt(var + eps) * w + b per row of width D. */
function cpuLayerNorm(x: Float64Array, w: Float64Array, b: Float64Array, D: number, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let m = 0;
    for (let c = 0; c < D; c++) m += x[r * D + c];
    m /= D;
    let v = 0;
    for (let c = 0; c < D; c++) v += (x[r * D + c] - m) ** 2;
    v /= D;
    const rs = 1 / Math.sqrt(v + eps);
    for (let c = 0; c < D; c++) y[r * D + c] = (x[r * D + c] - m) * rs * w[c] + b[c];
  }
  return y;
}

afterEach(() => forceVariant('layernorm', null));

describe('layerNorm', () => {
  // Widths: 1 (output is exactly the bias), odd, multiples of 4 (vec4 path) and wider than a workgroup.
  for (const variant of ['row', 'wg'] as const) {
    for (const shape of [
      [1, 8],
      [5, 37],
      [3, 1],
      [2, 3, 12],
      [4, 130],
    ]) {
      it(`${variant}: matches float64 reference and gradients for ${JSON.stringify(shape)}`, async () => {
        forceVariant('layernorm', variant);
        const D = shape[shape.length - 1];
        const eps = 1e-5;
        await checkOp({
          shapes: [shape, [D], [D]],
          gpu: (x, w, b) => T.layerNorm(x, w, b, eps),
          cpu: ([x, w, b]) => cpuLayerNorm(x, w, b, D, eps),
          // Width 1 has zero variance: the gradient w.r.t. x is 0, finite differences agree.
          rtol: 1e-3,
          atol: 1e-3,
        });
      });
    }
  }

  it('passes a VJP check on a tall input (many chunks in the dweight/dbias reduction)', async () => {
    await vjpCheck((x, w, b) => T.layerNorm(x, w, b, 1e-5), [[700, 12], [12], [12]]);
    await vjpCheck((x, w, b) => T.layerNorm(x, w, b, 1e-5), [[300, 37], [37], [37]]);
  });

  it('is stable for rows with a large mean and small spread, default eps', async () => {
    const N = 6,
      D = 64;
    const x = randArray(N * D, 5).map((v, i) => 1000 + (i % 7) + v);
    const w = randArray(D, 6),
      b = randArray(D, 7);
    const want = cpuLayerNorm(Float64Array.from(x), Float64Array.from(w), Float64Array.from(b), D, 1e-12);
    await T.tidyAsync(async () => {
      const y = T.layerNorm(T.tensor(x, [N, D]), T.tensor(w), T.tensor(b));
      expectClose(await y.toArray(), want, 2e-3, 2e-3);
    });
  });

  it('handles non-contiguous input and a tall 4096 x 768 input', async () => {
    const x = T.randn([768, 40]);
    const xt = x.T; // [40, 768], strided
    const w = T.randn([768]),
      b = T.randn([768]);
    const y = T.layerNorm(xt, w, b);
    const want = cpuLayerNorm(
      Float64Array.from(await xt.toArray()),
      Float64Array.from(await w.toArray()),
      Float64Array.from(await b.toArray()),
      768,
      1e-12,
    );
    expectClose(await y.toArray(), want, 1e-4, 1e-4);
    const big = T.randn([4096, 768]).requireGrad();
    const wb = T.ones([768]).requireGrad(),
      bb = T.zeros([768]).requireGrad();
    const out = T.layerNorm(big, wb, bb);
    T.tidy(() => out.sum().backward());
    // sum over a row of the normalised output is 0 for any x, so dx = 0 and dbias = N.
    const dx = await big.grad!.toArray();
    expect(dx.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThan(1e-3);
    expectClose(await bb.grad!.toArray(), new Float32Array(768).fill(4096), 1e-5, 1e-3);
    for (const t of [x, xt, w, b, y, big, wb, bb, out]) {
      t.grad?.dispose();
      t.dispose();
    }
  });

  it('rejects mismatched weight shapes', () => {
    T.tidy(() => {
      expect(() => T.layerNorm(T.zeros([2, 4]), T.ones([3]), T.zeros([4]))).toThrow(/layerNorm: weight \[3\]/);
    });
  });
});
