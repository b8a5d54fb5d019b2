import '../../../test/gpu.ts';
import { describe, expect, it as vit } from 'vitest';
import * as T from '../src/index.ts';
import { checkOp, numelOf, randArray, vjpCheck } from './helpers.ts';

const { tensor } = T;
// Every test frees the tensors it made, so none is left for the GC after the runtime shuts down.
const it = (name: string, fn: () => unknown) =>
  vit(name, () =>
    T.tidyAsync(async () => {
      await fn();
    }),
  );

/** Float64 concat along ax of contiguous inputs. */
function concatRef(xs: ArrayLike<number>[], shapes: number[][], ax: number): Float64Array {
  const A = numelOf(shapes[0].slice(0, ax)),
    inner = numelOf(shapes[0].slice(ax + 1));
  const out: number[] = [];
  for (let a = 0; a < A; a++) {
    xs.forEach((x, i) => {
      const chunk = shapes[i][ax] * inner;
      for (let k = 0; k < chunk; k++) out.push(x[a * chunk + k]);
    });
  }
  return Float64Array.from(out);
}

/** stack = concat of inputs with a size-1 axis inserted. */
const stackRef = (xs: ArrayLike<number>[], shape: number[], ax: number) => {
  const s = [...shape];
  s.splice(ax, 0, 1);
  return concatRef(
    xs,
    xs.map(() => s),
    ax,
  );
};

describe('concat', () => {
  const cases: [number[][], number][] = [
    [
      [
        [2, 3, 4],
        [1, 3, 4],
        [3, 3, 4],
      ],
      0,
    ],
    [
      [
        [2, 3, 4],
        [2, 1, 4],
        [2, 5, 4],
      ],
      1,
    ],
    [
      [
        [2, 3, 4],
        [2, 3, 1],
        [2, 3, 7],
      ],
      -1,
    ],
    [
      [
        [11, 2],
        [11, 3],
      ],
      1,
    ], // 11 chunks per input: the copy-shader path
    [[[5], [0], [2]], 0], // an empty piece
  ];
  for (const [shapes, axis] of cases) {
    it(`${shapes.map((s) => JSON.stringify(s)).join(' + ')} along ${axis}`, async () => {
      const ax = axis < 0 ? axis + shapes[0].length : axis;
      await checkOp({ shapes, gpu: (...xs) => T.concat(xs, axis), cpu: (xs) => concatRef(xs, shapes, ax) });
    });
  }

  it('strided and offset views, a tensor used twice (gradients accumulate)', async () => {
    await vjpCheck(
      (x, y) => T.concat([x.transpose(0, 1), y.slice(0, 1, 3), x.transpose(0, 1).mul(2)], 0),
      [
        [4, 3],
        [5, 4],
      ],
    );
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const got = await T.concat([x.slice(0, 1), x.transpose(0, 1).slice(1, 0, 1).transpose(0, 1)], 0).toNested();
    expect(got).toEqual([
      [4, 5, 6],
      [1, 2, 3],
    ]);
  });

  it('i32 tensors and >= 1M elements', async () => {
    const a = tensor(Int32Array.from([1, 2, 3])),
      b = tensor(Int32Array.from([-4]));
    const c = T.concat([a, b]);
    expect(c.dtype).toBe('i32');
    expect(Array.from(await c.toInt32Array())).toEqual([1, 2, 3, -4]);
    const n = 1024 * 512;
    const xa = randArray(n, 1),
      xb = randArray(n + 512, 2);
    const big = T.tidy(() => T.concat([tensor(xa, [1024, 512]), tensor(xb, [1025, 512])], 0));
    const r = await big.toArray();
    expect(big.shape).toEqual([2049, 512]);
    const bad = [...xa, ...xb].findIndex((v, i) => r[i] !== v);
    expect(bad).toBe(-1);
  });

  it('errors name the op and the offending shapes', () => {
    const x = T.zeros([2, 3]);
    expect(() => T.concat([])).toThrow(/concat: needs at least one tensor/);
    expect(() => T.concat([x, T.zeros([2, 4])], 0)).toThrow(
      /concat: input 1 \[2, 4\] does not match input 0 \[2, 3\] outside axis 0 \(dim 1: 4 vs 3\)/,
    );
    expect(() => T.concat([x, T.zeros([6])], 0)).toThrow(
      /concat: input 1 has shape \[6\] \(rank 1\) but input 0 has \[2, 3\] \(rank 2\)/,
    );
    expect(() => T.concat([x, T.zeros([2, 3], 'i32')], 0)).toThrow(
      /concat: dtype mismatch: input 0 is f32\[2, 3\], input 1 is i32\[2, 3\]/,
    );
    expect(() => T.concat([x], 2)).toThrow(/concat: axis 2 is out of range/);
    expect(() => T.stack([x, T.zeros([3, 2])])).toThrow(
      /stack: input 1 has shape \[3, 2\], expected \[2, 3\] like input 0/,
    );
  });
});

describe('stack', () => {
  for (const axis of [0, 1, 2, -1]) {
    it(`three [2, 3] along ${axis}`, async () => {
      const shape = [2, 3];
      const ax = axis < 0 ? axis + 3 : axis;
      await checkOp({
        shapes: [shape, shape, shape],
        gpu: (...xs) => T.stack(xs, axis),
        cpu: (xs) => stackRef(xs, shape, ax),
      });
    });
  }
  it('scalars and a transposed input', async () => {
    expect(Array.from(await T.stack([T.scalar(1), T.scalar(2)]).toArray())).toEqual([1, 2]);
    await vjpCheck(
      (x, y) => T.stack([x.transpose(0, 1), y], 1),
      [
        [3, 2],
        [2, 3],
      ],
    );
  });
});
