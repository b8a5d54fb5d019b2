import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import * as T from '@jepa/tensor';
import { vicregLoss, type VicregFormula } from '../src/loss/vicreg.ts';
import { checkOp, randArray, vjpCheck } from '../../tensor/test/helpers.ts';

/** float64 CPU reference of the whole loss, for both variants. */
function vicregCpu(
  za: Float64Array,
  zb: Float64Array,
  N: number,
  D: number,
  variant: VicregFormula,
  l = 25,
  m = 25,
  n = 1,
): number {
  let mse = 0;
  for (let i = 0; i < N * D; i++) mse += (za[i] - zb[i]) ** 2;
  mse /= N * D;
  const stats = (z: Float64Array) => {
    const mean = new Float64Array(D);
    for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) mean[j] += z[i * D + j] / N;
    let std = 0,
      cov = 0;
    for (let a = 0; a < D; a++) {
      for (let b = 0; b < D; b++) {
        let c = 0;
        for (let i = 0; i < N; i++) c += (z[i * D + a] - mean[a]) * (z[i * D + b] - mean[b]);
        c /= N - 1;
        if (a === b) std += Math.max(0, 1 - Math.sqrt(c + 1e-4));
        else cov += c * c;
      }
    }
    return { std: std / D, cov: cov / D };
  };
  const A = stats(za),
    B = stats(zb);
  if (variant === 'official') return l * mse + (m * (A.std + B.std)) / 2 + n * (A.cov + B.cov);
  return l * mse * mse + m * (A.std + B.std) + n * (A.cov + B.cov);
}

/** The same loss composed from basic tensor ops (no fused kernel). */
function vicregComposed(za: T.Tensor, zb: T.Tensor, variant: VicregFormula): T.Tensor {
  const [N, D] = za.shape;
  const mse = za.sub(zb).square().mean();
  const part = (z: T.Tensor) => {
    const v = z.var(0);
    const std = T.relu(T.sub(1, v.add(1e-4).sqrt())).mean();
    const zc = z.sub(z.mean(0, true));
    const c = T.matmul(zc.T, zc).mul(1 / (N - 1));
    const cov = c
      .square()
      .sum()
      .sub(v.square().sum())
      .mul(1 / D);
    return { std, cov };
  };
  const a = part(za),
    b = part(zb);
  const inv = variant === 'seed' ? mse.square() : mse;
  const std = variant === 'seed' ? a.std.add(b.std) : a.std.add(b.std).mul(0.5);
  return inv.mul(25).add(std.mul(25)).add(a.cov.add(b.cov));
}

describe('VICReg loss', () => {
  for (const variant of ['official', 'seed'] as const) {
    for (const [N, D] of [
      [8, 5],
      [3, 17],
      [16, 40],
    ]) {
      it(`${variant}: matches the composition and float64 finite differences (N=${N}, D=${D})`, async () => {
        // Small spread so some variance hinges are active and some are not.
        const data = [randArray(N * D, 11, 1.2), randArray(N * D, 12, 0.6)];
        await checkOp({
          shapes: [
            [N, D],
            [N, D],
          ],
          data,
          gpu: (a, b) => vicregLoss(a, b, { formula: variant }).loss,
          cpu: ([a, b]) => Float64Array.of(vicregCpu(a, b, N, D, variant)),
          rtol: 1e-4,
          atol: 1e-4,
        });
        const fused = await T.tidy(
          () => vicregLoss(T.tensor(data[0], [N, D]), T.tensor(data[1], [N, D]), { formula: variant }).loss,
        ).item();
        const comp = await T.tidy(() =>
          vicregComposed(T.tensor(data[0], [N, D]), T.tensor(data[1], [N, D]), variant),
        ).item();
        expect(fused).toBeCloseTo(comp, 3);
      });
    }
    it(`${variant}: random-direction VJP on the GPU`, async () => {
      await vjpCheck(
        (a, b) => vicregLoss(a, b, { formula: variant }).loss,
        [
          [12, 24],
          [12, 24],
        ],
        { eps: 1e-3 },
      );
    });
  }
  it('logs each term, and rejects bad shapes by name', async () => {
    const a = T.tensor(randArray(20, 1), [4, 5]),
      b = T.tensor(randArray(20, 2), [4, 5]);
    const t = vicregLoss(a, b);
    const [loss, inv, v, c] = await Promise.all([
      t.loss.item(),
      t.invariance.item(),
      t.variance.item(),
      t.covariance.item(),
    ]);
    expect(loss).toBeCloseTo(25 * inv + 25 * v + c, 4);
    expect(() => vicregLoss(a, T.tensor(randArray(10, 3), [2, 5]))).toThrow(
      /vicregLoss: expected two \[N, D\] batches/,
    );
    expect(() => vicregLoss(T.tensor([[1, 2]]), T.tensor([[1, 2]]))).toThrow(/at least 2/);
  });
});
