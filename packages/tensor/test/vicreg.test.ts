import '../../../test/gpu.ts';
import { forceVariant, vicregCovGrad, vicregForward } from '@jepa/kernels';
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { checkOp, expectClose, randArray, vjpCheck } from './helpers.ts';

const { tensor, vicregStats } = T;

/** float64 reference: [std, cov] and, on request, their analytic gradients (direct D×D form). */
function vicregRef(z: ArrayLike<number>, N: number, D: number, gamma = 1, eps = 1e-4, grads = false, withCov = true) {
  const zc = new Float64Array(N * D),
    v = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += z[n * D + j];
    const mu = s / N;
    let q = 0;
    for (let n = 0; n < N; n++) {
      zc[n * D + j] = z[n * D + j] - mu;
      q += zc[n * D + j] ** 2;
    }
    v[j] = q / (N - 1);
  }
  let std = 0;
  for (let j = 0; j < D; j++) std += Math.max(gamma - Math.sqrt(v[j] + eps), 0);
  std /= D;
  const C = new Float64Array(withCov ? D * D : 0);
  for (let n = 0; n < (withCov ? N : 0); n++) {
    for (let i = 0; i < D; i++) {
      const a = zc[n * D + i] / (N - 1);
      if (a === 0) continue;
      for (let j = 0; j < D; j++) C[i * D + j] += a * zc[n * D + j];
    }
  }
  let cov = 0;
  for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) if (i !== j) cov += C[i * D + j] ** 2;
  if (!grads) return { std, cov };
  const dstd = new Float64Array(N * D),
    dcov = new Float64Array(N * D);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < D; j++) {
      const s = Math.sqrt(v[j] + eps);
      dstd[n * D + j] = gamma - s > 0 ? -zc[n * D + j] / (D * (N - 1) * s) : 0;
      let g = 0;
      for (let i = 0; i < (withCov ? D : 0); i++) if (i !== j) g += zc[n * D + i] * C[i * D + j];
      dcov[n * D + j] = (4 / (N - 1)) * g;
    }
  }
  return { std, cov, dstd, dcov };
}

/** float64 reference through the N×N Gram matrix K = zc zcᵀ (cheap when N << D): ‖C‖² = ‖K‖²/(N-1)²,
 *  dcov = 4/(N-1) (K zc/(N-1) - zc·diag(var)). Checked against the direct form above in a test. */
function vicregRefGram(z: ArrayLike<number>, N: number, D: number) {
  const zc = new Float64Array(N * D),
    v = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    let s = 0;
    for (let n = 0; n < N; n++) s += z[n * D + j];
    let q = 0;
    for (let n = 0; n < N; n++) {
      zc[n * D + j] = z[n * D + j] - s / N;
      q += zc[n * D + j] ** 2;
    }
    v[j] = q / (N - 1);
  }
  const K = new Float64Array(N * N);
  for (let a = 0; a < N; a++) {
    for (let b = a; b < N; b++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += zc[a * D + j] * zc[b * D + j];
      K[a * N + b] = K[b * N + a] = s;
    }
  }
  let k2 = 0,
    v2 = 0;
  for (const x of K) k2 += x * x;
  for (const x of v) v2 += x * x;
  const dcov = new Float64Array(N * D);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < N; m++) {
      const k = K[n * N + m] / (N - 1);
      for (let j = 0; j < D; j++) dcov[n * D + j] += k * zc[m * D + j];
    }
    for (let j = 0; j < D; j++) dcov[n * D + j] = (4 / (N - 1)) * (dcov[n * D + j] - zc[n * D + j] * v[j]);
  }
  return { cov: k2 / (N - 1) ** 2 - v2, dcov };
}

/** The unfused composition of tensor ops (what the fused kernel replaces). */
function composed(z: T.Tensor, gamma = 1, eps = 1e-4) {
  const N = z.shape[0];
  const zc = z.sub(z.mean(0, true));
  const C = zc.T.matmul(zc).mul(1 / (N - 1));
  const v = z.var(0);
  const cov = C.square().sum().sub(v.square().sum());
  const std = T.relu(v.add(eps).sqrt().neg().add(gamma)).mean();
  return { std, cov };
}

const methods = ['gram', 'cov', 'auto'] as const;
/** Run a test body in a tidy scope, so tensors kept for backward are freed (no GC leak warnings). */
const scoped = (fn: () => Promise<void>) => () => T.tidyAsync(fn);

describe('vicregStats: forward and gradients against float64 references', () => {
  afterEach(() => forceVariant('vicreg', null));

  // N = 2, N < D, N > D, D not a multiple of the 64-wide tile, D > one tile.
  const shapes: [number, number][] = [
    [2, 5],
    [13, 37],
    [37, 13],
    [5, 70],
    [70, 6],
  ];
  for (const [N, D] of shapes) {
    for (const method of methods.slice(0, 2)) {
      it(
        `[${N}, ${D}] ${method}: std and cov vs finite differences`,
        scoped(async () => {
          for (const which of ['std', 'cov'] as const) {
            await checkOp({
              shapes: [[N, D]],
              gpu: (z) => vicregStats(z, { method })[which],
              cpu: ([z]) => Float64Array.of(vicregRef(z, N, D)[which]),
            });
          }
        }),
      );
    }
  }

  it(
    'a weighted sum of both (two tape nodes on one input), gamma below some column stds',
    scoped(async () => {
      const [N, D] = [9, 21];
      const data = randArray(N * D, 4).map((x, i) => x * (1 + (i % D) / 10)); // column stds ≈ 0.58 … 1.7
      await checkOp({
        shapes: [[N, D]],
        data: [data],
        gpu: (z) => {
          const { std, cov } = vicregStats(z, { gamma: 1.1, eps: 1e-3 });
          return std.mul(25).add(cov.mul(0.04));
        },
        cpu: ([z]) => {
          const r = vicregRef(z, N, D, 1.1, 1e-3);
          return Float64Array.of(25 * r.std + 0.04 * r.cov);
        },
      });
    }),
  );

  it(
    'VJP on the GPU path, both methods and both block shapes, shapes beyond one tile',
    scoped(async () => {
      for (const [N, D] of [
        [96, 150],
        [130, 67],
      ] as const) {
        for (const method of methods) {
          forceVariant('vicreg', method === 'gram' ? 'gpuBlocks' : method === 'cov' ? 'cpuBlocks' : null);
          await vjpCheck(
            (z) => {
              const { std, cov } = vicregStats(z, { method });
              return std.mul(3).add(cov.mul(0.01));
            },
            [[N, D]],
          );
        }
      }
    }),
  );

  it(
    'matches the composition of tensor ops (values and gradients), both methods, both block shapes',
    scoped(async () => {
      const [N, D] = [64, 150];
      const data = randArray(N * D, 11);
      const z0 = tensor(data, [N, D]).requireGrad();
      const c = composed(z0);
      T.tidy(() => c.std.mul(2).add(c.cov.mul(0.5)).backward());
      const want = { std: await c.std.item(), cov: await c.cov.item(), grad: await z0.grad!.toArray() };
      z0.zeroGrad();
      for (const [method, variant] of [
        ['gram', 'cpuBlocks'],
        ['gram', 'gpuBlocks'],
        ['cov', 'cpuBlocks'],
        ['cov', 'gpuBlocks'],
        ['auto', null],
      ] as const) {
        forceVariant('vicreg', variant);
        const z = tensor(data, [N, D]).requireGrad();
        const { std, cov } = vicregStats(z, { method });
        expect(await std.item()).toBeCloseTo(want.std, 5);
        expect(Math.abs((await cov.item()) - want.cov) / want.cov).toBeLessThan(1e-5);
        T.tidy(() => std.mul(2).add(cov.mul(0.5)).backward());
        expectClose(await z.grad!.toArray(), want.grad, 1e-3, 1e-6, `grad (${method})`);
        z.zeroGrad();
      }
    }),
  );

  it('the two float64 references agree', () => {
    const data = randArray(9 * 23, 5);
    const a = vicregRef(data, 9, 23, 1, 1e-4, true),
      b = vicregRefGram(data, 9, 23);
    expect(b.cov).toBeCloseTo(a.cov, 10);
    expectClose(b.dcov, a.dcov!, 1e-9, 1e-12, 'dcov');
  });

  it(
    '[256, 1536] (the VICReg shape) vs float64, forward and analytic backward',
    scoped(async () => {
      const [N, D] = [256, 1536];
      const data = randArray(N * D, 21);
      const ref = { ...vicregRef(data, N, D, 1, 1e-4, true, false), ...vicregRefGram(data, N, D) };
      const z = tensor(data, [N, D]).requireGrad();
      const { std, cov } = vicregStats(z);
      expect(Math.abs((await std.item()) - ref.std)).toBeLessThan(1e-6);
      expect(Math.abs((await cov.item()) - ref.cov) / ref.cov).toBeLessThan(1e-5);
      T.tidy(() =>
        std
          .mul(25)
          .add(cov.mul(1 / D))
          .backward(),
      );
      const want = ref.dstd!.map((g, i) => 25 * g + ref.dcov![i] / D);
      const maxAbs = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expectClose(await z.grad!.toArray(), want, 1e-3, 1e-4 * maxAbs, 'grad');
      z.zeroGrad();
    }),
  );

  it(
    'kernel API: the cov backward without the kept gram matrix recomputes the same gradient',
    scoped(async () => {
      const [N, D] = [20, 45];
      const z = tensor(randArray(N * D, 12), [N, D]).requireGrad();
      const { cov } = vicregStats(z);
      T.tidy(() => cov.backward());
      const want = await z.grad!.toArray();
      z.zeroGrad();
      // A second forward under noGrad keeps no gram matrix; reuse its stats through the raw kernel call.
      const stats = T.tensor(new Float32Array(2 * D), [2, D]);
      const g = T.tensor([1]);
      const out = T.zeros([N, D]);
      const s1 = T.zeros([1]),
        s2 = T.zeros([1]);
      vicregForward({ z: z.buffer, N, D, stats: stats.buffer, std: s1.buffer, cov: s2.buffer, gamma: 1, eps: 1e-4 });
      vicregCovGrad({ z: z.buffer, N, D, stats: stats.buffer, g: g.buffer, out: out.buffer });
      expectClose(await out.toArray(), want, 1e-4, 1e-6, 'recomputed gram');
    }),
  );

  it(
    'takes strided input and rejects what it cannot use',
    scoped(async () => {
      const data = randArray(7 * 11, 3);
      const zt = tensor(data, [11, 7]).T; // [7, 11] view, not contiguous
      const dense = Float64Array.from(await zt.contiguous().toArray());
      const r = vicregRef(dense, 7, 11);
      const { std, cov } = vicregStats(zt);
      expect(await std.item()).toBeCloseTo(r.std, 5);
      expect(await cov.item()).toBeCloseTo(r.cov, 4);
      expect(() => vicregStats(tensor(randArray(5), [1, 5]))).toThrow(/at least 2 rows/);
      expect(() => vicregStats(tensor(randArray(8), [2, 2, 2]))).toThrow(/\[N, D\]/);
    }),
  );

  it(
    'constant columns give zero covariance and the full hinge, no NaN',
    scoped(async () => {
      const { std, cov } = vicregStats(T.full([4, 9], 3).requireGrad());
      expect(await std.item()).toBeCloseTo(1 - Math.sqrt(1e-4), 6);
      expect(await cov.item()).toBe(0);
    }),
  );
});
