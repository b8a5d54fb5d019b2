import '../../../test/gpu.ts';
import { afterAll, beforeAll, describe, expect, it as vit } from 'vitest';
import { forceVariant } from '@jepa/kernels';
import * as T from '../src/index.ts';
import { checkOp, expectClose, numelOf, randArray, vjpCheck } from './helpers.ts';

const { tensor } = T;
// Every test frees the tensors it made, so none is left for the GC after the runtime shuts down.
const it = (name: string, fn: () => unknown) =>
  vit(name, () =>
    T.tidyAsync(async () => {
      await fn();
    }),
  );

/** Float64 softmax / log-softmax along `axis`, with an additive mask broadcast to `shape`. */
function ref(
  x: ArrayLike<number>,
  shape: number[],
  axis: number,
  opts: { log?: boolean; mask?: ArrayLike<number>; maskShape?: number[] } = {},
): Float64Array {
  const ax = axis < 0 ? axis + shape.length : axis;
  const N = shape[ax];
  const inner = numelOf(shape.slice(ax + 1));
  const outerN = numelOf(shape.slice(0, ax));
  const out = new Float64Array(numelOf(shape));
  const ms = opts.maskShape ?? [];
  const maskAt = (flat: number): number => {
    if (!opts.mask) return 0;
    let rem = flat,
      o = 0,
      mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      const md = d - (shape.length - ms.length);
      if (md >= 0) {
        if (ms[md] !== 1) o += c * mul;
        mul *= ms[md];
      }
    }
    return opts.mask[o];
  };
  for (let a = 0; a < outerN; a++)
    for (let b = 0; b < inner; b++) {
      const idx = (i: number) => a * N * inner + i * inner + b;
      const v = Array.from({ length: N }, (_, i) => x[idx(i)] + maskAt(idx(i)));
      const mx = Math.max(...v);
      const shift = mx === -Infinity ? 0 : mx;
      const e = v.map((t) => Math.exp(t - shift));
      const s = e.reduce((p, q) => p + q, 0);
      for (let i = 0; i < N; i++)
        out[idx(i)] = opts.log ? (s === 0 ? -Infinity : v[i] - shift - Math.log(s)) : s === 0 ? 0 : e[i] / s;
    }
  return out;
}

// Each suite runs with the per-adapter choice and with the workgroup-per-row kernel forced
// (the choice on real GPUs, never picked on llvmpipe).
for (const variant of [null, 'wg'] as const) {
  const tag = variant ? ` [${variant}]` : '';
  const pin = () => {
    beforeAll(() => forceVariant('softmax', variant));
    afterAll(() => forceVariant('softmax', null));
  };

  describe(`softmax forward and gradients${tag}`, () => {
    pin();
    const cases: [number[], number][] = [
      [[3, 37], -1],
      [[4, 5, 6], 1],
      [[4, 5, 6], 0],
      [[2, 530], -1],
      [[5, 12], -1],
      [[7, 1], -1],
      [[1], 0],
    ];
    for (const [shape, axis] of cases) {
      it(`softmax ${JSON.stringify(shape)} axis ${axis}`, async () => {
        await checkOp({
          shapes: [shape],
          gpu: (x) => T.softmax(x, axis),
          cpu: ([x]) => ref(x, shape, axis),
          seed: shape.length,
        });
      });
      it(`logSoftmax ${JSON.stringify(shape)} axis ${axis}`, async () => {
        await checkOp({
          shapes: [shape],
          gpu: (x) => T.logSoftmax(x, axis),
          cpu: ([x]) => ref(x, shape, axis, { log: true }),
        });
      });
    }

    it('size-1 axis gives 1 and 0', async () => {
      const x = tensor(randArray(6, 3), [6, 1]);
      expect(Array.from(await T.softmax(x).toArray())).toEqual([1, 1, 1, 1, 1, 1]);
      expect(Array.from(await T.logSoftmax(x).toArray())).toEqual([0, 0, 0, 0, 0, 0]);
    });

    it('strided input and strided upstream gradient (VJP on the GPU)', async () => {
      await vjpCheck((x) => T.softmax(x.transpose(0, 1), -1).transpose(0, 1), [[9, 5]]);
      await vjpCheck((x) => T.logSoftmax(x.transpose(0, 1), 0).transpose(0, 1), [[9, 5]]);
      await vjpCheck((x) => T.softmax(x.mul(3), -1), [[3, 700]]);
      await vjpCheck((x) => T.logSoftmax(x.slice(1, 4, 12)), [[3, 16]]); // offset view, vec4 rows
    });

    it('>= 1M elements, both row kernels', async () => {
      for (const shape of [
        [8192, 128],
        [2048, 515],
      ]) {
        const data = randArray(numelOf(shape), 11, 4);
        const y = await T.tidy(() => T.softmax(tensor(data, shape))).toArray();
        expectClose(y, ref(data, shape, -1), 1e-5, 1e-7, `softmax ${JSON.stringify(shape)}`);
      }
    });
  });

  describe(`softmax with an additive mask${tag}`, () => {
    pin();
    const B = 2,
      H = 3,
      Tq = 5;
    const shape = [B, H, Tq, Tq],
      maskShape = [B, 1, 1, Tq];
    // batch 0 keeps 3 keys, batch 1 keeps 4; padding as -1e9 in one batch and -inf in the other
    const mask = Float32Array.from([0, 0, 0, -1e9, -1e9, 0, 0, 0, 0, -Infinity]);

    it('masked entries are exactly 0, rows sum to 1, gradients match', async () => {
      const x = randArray(numelOf(shape), 5, 3);
      const y = await T.softmax(tensor(x, shape), -1, tensor(mask, maskShape)).toArray();
      expectClose(y, ref(x, shape, -1, { mask, maskShape }), 1e-5, 1e-6);
      for (let r = 0; r < B * H * Tq; r++) {
        const row = y.slice(r * Tq, r * Tq + Tq);
        const b = Math.floor(r / (H * Tq));
        for (let j = 0; j < Tq; j++) if (mask[b * Tq + j] !== 0) expect(row[j]).toBe(0);
        expect(Math.abs(row.reduce((p, q) => p + q, 0) - 1)).toBeLessThan(1e-5);
      }
      await checkOp({
        shapes: [shape, maskShape],
        data: [x, mask],
        constant: [1],
        gpu: (a, m) => T.softmax(a, -1, m),
        cpu: ([a, m]) => ref(a, shape, -1, { mask: m, maskShape }),
      });
    });

    it('gradient flows into a finite mask (summed over broadcast dims)', async () => {
      await checkOp({
        shapes: [
          [2, 3, 4, 8],
          [3, 1, 8],
        ],
        gpu: (a, m) => T.softmax(a, -1, m),
        cpu: ([a, m]) => ref(a, [2, 3, 4, 8], -1, { mask: m, maskShape: [3, 1, 8] }),
      });
      await vjpCheck(
        (a, m) => T.softmax(a, 2, m),
        [
          [2, 4, 3],
          [4, 1],
        ],
      );
    });

    it('fully masked rows: -inf gives zeros (no NaN, zero gradient), -1e9 gives uniform', async () => {
      const x = tensor(randArray(12, 2), [3, 4]).requireGrad();
      const m = tensor(
        Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity, -1e9, -1e9, -1e9, -1e9, 0, 0, 0, 0]),
        [3, 4],
      );
      const y = T.softmax(x, -1, m);
      const got = await y.toArray();
      expect(Array.from(got.slice(0, 4))).toEqual([0, 0, 0, 0]);
      expectClose(got.slice(4, 8), [0.25, 0.25, 0.25, 0.25], 0, 1e-6);
      y.mul(tensor(randArray(12, 9), [3, 4]))
        .sum()
        .backward();
      const g = await x.grad!.toArray();
      expect(g.every(Number.isFinite)).toBe(true);
      expect(Array.from(g.slice(0, 4), Math.abs)).toEqual([0, 0, 0, 0]);
      const ls = await T.logSoftmax(tensor(Float32Array.from([-Infinity, -Infinity, 1, -Infinity]), [2, 2])).toArray();
      expect(Array.from(ls)).toEqual([-Infinity, -Infinity, 0, -Infinity]);
    });

    if (!variant)
      it('rejects bad masks, dtypes and axes by name', () => {
        const x = T.zeros([2, 3, 4]);
        expect(() => T.softmax(x, -1, T.zeros([3, 1, 1, 4]))).toThrow(
          /softmax: mask \[3, 1, 1, 4\] does not broadcast to input \[2, 3, 4\]/,
        );
        expect(() => T.softmax(x, -1, T.zeros([5]))).toThrow(/softmax: mask \[5\] does not broadcast/);
        expect(() => T.softmax(T.zeros([2], 'i32'))).toThrow(/softmax: expects an f32 tensor/);
        expect(() => T.logSoftmax(x, 3)).toThrow(/logSoftmax: axis 3 is out of range/);
      });
  });
}
