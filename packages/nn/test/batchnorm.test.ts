import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { tensor, tidy } from '@jepa/tensor';
import { expectClose, randArray } from '../../tensor/test/helpers.ts';
import { BatchNorm1d } from '../src/index.ts';

/** Per-channel mean and biased/unbiased variance of x [N, C] by hand. */
function stats(x: Float32Array, N: number, C: number) {
  const mean = new Float64Array(C),
    biased = new Float64Array(C),
    unbiased = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += x[n * C + c];
    mean[c] = s / N;
    let q = 0;
    for (let n = 0; n < N; n++) q += (x[n * C + c] - mean[c]) ** 2;
    biased[c] = q / N;
    unbiased[c] = q / (N - 1);
  }
  return { mean, biased, unbiased };
}

describe('BatchNorm1d', () => {
  it('training: batch statistics; running stats use the unbiased variance (as PyTorch)', async () => {
    const N = 6,
      C = 4,
      eps = 1e-5,
      mom = 0.1;
    const bn = new BatchNorm1d(C, { eps, momentum: mom });
    bn.loadStateDict(
      new Map([
        ['weight', { shape: [C], data: Float32Array.of(1, 2, 0.5, -1) }],
        ['bias', { shape: [C], data: Float32Array.of(0, 0.1, -0.2, 0.3) }],
        ['running_mean', { shape: [C], data: new Float32Array(C) }],
        ['running_var', { shape: [C], data: new Float32Array(C).fill(1) }],
        ['num_batches_tracked', { shape: [], data: Int32Array.of(0) }],
      ]),
    );
    const w = [1, 2, 0.5, -1],
      b = [0, 0.1, -0.2, 0.3];
    let rm = new Float64Array(C),
      rv = new Float64Array(C).fill(1);
    for (let step = 0; step < 2; step++) {
      const x = randArray(N * C, 10 + step, 2);
      const y = await tidy(() => bn.forward(tensor(x, [N, C]))).toArray();
      const s = stats(x, N, C);
      const want = new Float64Array(N * C);
      for (let n = 0; n < N; n++)
        for (let c = 0; c < C; c++)
          want[n * C + c] = ((x[n * C + c] - s.mean[c]) / Math.sqrt(s.biased[c] + eps)) * w[c] + b[c];
      expectClose(y, want, 1e-5, 1e-5, `y step ${step}`);
      rm = rm.map((v, c) => (1 - mom) * v + mom * s.mean[c]);
      rv = rv.map((v, c) => (1 - mom) * v + mom * s.unbiased[c]);
      expectClose(await bn.runningMean.toArray(), rm, 1e-6, 1e-6, 'running_mean');
      expectClose(await bn.runningVar.toArray(), rv, 1e-6, 1e-6, 'running_var');
    }
    expect(Array.from(await bn.stateDict().get('num_batches_tracked')!.toInt32Array())).toEqual([2]);

    // eval: the running statistics
    bn.eval();
    const x = randArray(3 * C, 99);
    const y = await tidy(() => bn.forward(tensor(x, [3, C]))).toArray();
    const want = Array.from(x, (v, i) => ((v - rm[i % C]) / Math.sqrt(rv[i % C] + eps)) * w[i % C] + b[i % C]);
    expectClose(y, want, 1e-5, 1e-5, 'eval');
    bn.dispose();
  });

  it('accepts [N, C, L] (statistics over N and L) and rejects bad input', async () => {
    const bn = new BatchNorm1d(2);
    const x = randArray(3 * 2 * 4, 5);
    const y = await tidy(() => bn.forward(tensor(x, [3, 2, 4]))).toArray();
    for (let c = 0; c < 2; c++) {
      const vals: number[] = [];
      for (let n = 0; n < 3; n++) for (let l = 0; l < 4; l++) vals.push(y[n * 8 + c * 4 + l]);
      const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(vals.reduce((s, v) => s + v * v, 0) / vals.length).toBeCloseTo(1, 3);
    }
    expect(() => bn.forward(tensor(new Float32Array(3), [1, 3]))).toThrow(/expected input \[N, 2\]/);
    expect(() => bn.forward(tensor(new Float32Array(2), [1, 2]))).toThrow(/more than 1 value per channel/);
    bn.dispose();
  });
});
