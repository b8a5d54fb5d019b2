import '../../../test/gpu.ts';
import { philoxCpu } from '@jepa/kernels';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { expectClose, randArray, vjpCheck } from './helpers.ts';

const { tensor, dropout } = T;

/** CPU twin of the kernel's mask: element i keeps iff u01(philox(offset + i/4)[i % 4]) >= p. */
function maskCpu(n: number, p: number, seed: number, offset: number): Uint8Array {
  const m = new Uint8Array(n);
  for (let t = 0; t * 4 < n; t++) {
    const r = philoxCpu([(offset + t) >>> 0, 0, 0, 0], [seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0]);
    for (let k = 0; k < 4 && 4 * t + k < n; k++) m[4 * t + k] = (r[k] >>> 8) / 16777216 >= p ? 1 : 0;
  }
  return m;
}

const scoped = (fn: () => Promise<void>) => () => T.tidyAsync(fn);

describe('dropout', () => {
  it(
    'keeps 1 - p of the elements, scales them by 1/(1-p), and matches the CPU mask bit for bit',
    scoped(async () => {
      for (const [n, p] of [
        [100_003, 0.1],
        [40_001, 0.5],
        [9_999, 0.9],
      ] as const) {
        T.manualSeed(1234);
        const { seed, offset } = T.getGeneratorState();
        const x = randArray(n, 3).map((v) => v + 2); // never 0, so zeros in the output are drops
        const y = await dropout(tensor(x), p).toArray();
        const mask = maskCpu(n, p, seed, offset);
        const want = Float64Array.from(x, (v, i) => (mask[i] ? v / (1 - p) : 0));
        expectClose(y, want, 1e-6, 0, `dropout p=${p}`);
        const kept = y.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0) / n;
        expect(Math.abs(kept - (1 - p))).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      }
    }),
  );

  it(
    'backward regenerates the identical mask (odd sizes, strided input)',
    scoped(async () => {
      for (const shape of [
        [7, 13],
        [1, 1],
        [3, 5, 1029],
      ]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = tensor(
          randArray(n, 5).map((v) => v + 2),
          shape,
        ).requireGrad();
        const y = dropout(x, 0.3);
        const u = randArray(n, 6);
        T.tidy(() => y.mul(tensor(u, shape)).sum().backward());
        const [yv, gv] = [await y.toArray(), await x.grad!.toArray()];
        const xv = await x.toArray();
        // dy/dx = mask / (1 - p) = y / x elementwise.
        expectClose(
          gv,
          Float64Array.from(u, (ui, i) => (ui * yv[i]) / xv[i]),
          1e-5,
          1e-6,
          `grad ${shape}`,
        );
        x.zeroGrad();
      }
      const base = tensor(
        randArray(6 * 10, 8).map((v) => v + 2),
        [6, 10],
      ).requireGrad();
      const xt = base.T; // [10, 6] strided view
      const y = dropout(xt, 0.5);
      T.tidy(() => y.sum().backward());
      const [yv, xv] = [await y.toArray(), await xt.toArray()];
      const gT = await base.grad!.T.toArray();
      expectClose(
        gT,
        Float64Array.from(yv, (v, i) => v / xv[i]),
        1e-5,
        1e-6,
        'grad through a strided view',
      );
      base.zeroGrad();
    }),
  );

  it(
    'VJP on the GPU path (mask fixed by re-seeding before each evaluation)',
    scoped(async () => {
      await vjpCheck(
        (x) => {
          T.manualSeed(77);
          return dropout(x, 0.25).mul(x);
        },
        [[33, 17]],
      );
    }),
  );

  it(
    'is reproducible for a seed, differs across calls, and is the identity for p = 0 or eval',
    scoped(async () => {
      const x = tensor(randArray(5000, 9).map((v) => v + 2));
      T.manualSeed(5);
      const a = await dropout(x, 0.5).toArray();
      const b = await dropout(x, 0.5).toArray();
      T.manualSeed(5);
      const c = await dropout(x, 0.5).toArray();
      expect(Array.from(c)).toEqual(Array.from(a));
      expect(Array.from(b)).not.toEqual(Array.from(a));
      const xg = tensor([1, 2, 3]).requireGrad();
      for (const y of [dropout(xg, 0), dropout(xg, 0.7, false)]) {
        expect(y.storage).toBe(xg.storage); // an alias, no kernel
        T.tidy(() => y.mul(2).sum().backward());
        expect(Array.from(await xg.grad!.toArray())).toEqual([2, 2, 2]);
        xg.zeroGrad();
      }
      expect(Array.from(await dropout(x, 1).toArray()).every((v) => v === 0)).toBe(true);
      expect(() => dropout(x, 1.5)).toThrow(/p must be in \[0, 1\]/);
    }),
  );
});
