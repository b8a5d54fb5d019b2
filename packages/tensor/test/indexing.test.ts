import '../../../test/gpu.ts';
import { describe, expect, it as vit } from 'vitest';
import * as T from '../src/index.ts';
import { checkOp, expectClose, numelOf, randArray, rng, vjpCheck } from './helpers.ts';

const { tensor } = T;
// Every test frees the tensors it made, so none is left for the GC after the runtime shuts down.
const it = (name: string, fn: () => unknown) =>
  vit(name, () =>
    T.tidyAsync(async () => {
      await fn();
    }),
  );
const ints = (xs: number[], shape?: number[]) => tensor(Int32Array.from(xs), shape ?? [xs.length]);
const randInts = (n: number, hi: number, seed: number) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(((r() + 1) / 2) * hi));
};

/** Float64 index-select along ax; out-of-range ids give 0. */
function selectRef(x: ArrayLike<number>, shape: number[], ax: number, ids: number[]): Float64Array {
  const A = numelOf(shape.slice(0, ax)),
    N = shape[ax],
    B = numelOf(shape.slice(ax + 1)),
    n = ids.length;
  const out = new Float64Array(A * n * B);
  for (let a = 0; a < A; a++)
    for (let j = 0; j < n; j++)
      for (let b = 0; b < B; b++) {
        const v = ids[j];
        out[(a * n + j) * B + b] = v >= 0 && v < N ? x[(a * N + v) * B + b] : 0;
      }
  return out;
}

/** Coordinates <-> flat offsets of contiguous shapes. */
const coords = (i: number, s: number[]) => {
  const c: number[] = [];
  for (let d = s.length - 1; d >= 0; d--) {
    c[d] = i % s[d];
    i = Math.floor(i / s[d]);
  }
  return c;
};
const flat = (c: number[], s: number[]) => c.reduce((o, v, d) => o * s[d] + v, 0);

function gatherRef(x: ArrayLike<number>, xs: number[], ax: number, index: number[], is: number[]): Float64Array {
  return Float64Array.from(index, (v, i) => {
    const c = coords(i, is);
    c[ax] = v;
    return v >= 0 && v < xs[ax] ? x[flat(c, xs)] : 0;
  });
}

function scatterRef(
  x: ArrayLike<number>,
  xs: number[],
  ax: number,
  index: number[],
  is: number[],
  src: ArrayLike<number>,
  ss: number[],
): Float64Array {
  const out = Float64Array.from(x);
  index.forEach((v, i) => {
    const c = coords(i, is);
    const sv = src[flat(c, ss)];
    c[ax] = v;
    if (v >= 0 && v < xs[ax]) out[flat(c, xs)] += sv;
  });
  return out;
}

describe('indexSelect and embedding', () => {
  it('indexSelect along each axis with repeated and out-of-range ids', async () => {
    const shape = [4, 6, 5];
    const cases: [number, number[]][] = [
      [0, [3, 0, 3, 3, -1]],
      [1, [5, 1, 1, 7, 0, 5, 2]],
      [2, [4, 4]],
      [-1, [0]],
    ];
    for (const [axis, list] of cases) {
      const ids = ints(list);
      const ax = axis < 0 ? axis + 3 : axis;
      await checkOp({
        shapes: [shape],
        gpu: (x) => T.indexSelect(x, axis, ids),
        cpu: ([x]) => selectRef(x, shape, ax, list),
      });
    }
  });

  it('two radix passes (axis of 300), several blocks, inner axis, out-of-range ids', async () => {
    const shape = [2, 300, 3];
    const list = [...randInts(600, 300, 4), -5, 300, 299, 299, 0];
    const ids = ints(list);
    await checkOp({
      shapes: [shape],
      gpu: (x) => T.indexSelect(x, 1, ids),
      cpu: ([x]) => selectRef(x, shape, 1, list),
    });
  });

  it('embedding: any ids shape, vec4 and scalar rows, repeats accumulate', async () => {
    for (const D of [8, 7]) {
      const V = 11;
      const list = [3, 3, 0, 10, 3, 5, 12, -2, 0, 3, 9, 5]; // 12 and -2 are out of range
      const ids = ints(list, [3, 2, 2]);
      const y = T.embedding(ids, tensor(randArray(V * D, 4), [V, D]));
      expect(y.shape).toEqual([3, 2, 2, D]);
      await checkOp({ shapes: [[V, D]], gpu: (w) => T.embedding(ids, w), cpu: ([w]) => selectRef(w, [V, D], 0, list) });
      await vjpCheck((w) => T.embedding(ids, w).square(), [[V, D]]);
    }
  });

  it('embedding at BERT scale (V=30522, D=128, 1024 ids) matches the CPU scatter-add', async () => {
    const V = 30522,
      D = 128,
      n = 1024;
    // Zipf-ish ids: many repeats of a few tokens, like real text, plus the largest id.
    const list = Array.from({ length: n }, (_, i) =>
      i % 3 === 0 ? i % 7 : i % 5 === 0 ? V - 1 : Math.floor(((i * 7919) % 1000) * 30.5),
    );
    const w = tensor(randArray(V * D, 3), [V, D]).requireGrad();
    const ids = ints(list, [8, 128]);
    const g = randArray(n * D, 5);
    const y = T.embedding(ids, w);
    expectClose(await y.toArray(), selectRef(await w.toArray(), [V, D], 0, list), 0, 0, 'forward');
    y.backward(tensor(g, [8, 128, D]));
    const want = new Float64Array(V * D);
    list.forEach((v, j) => {
      for (let d = 0; d < D; d++) want[v * D + d] += g[j * D + d];
    });
    expectClose(await w.grad!.toArray(), want, 1e-5, 1e-5, 'dW');
  });

  it('the backward is deterministic (bitwise) across runs', async () => {
    const ids = ints(randInts(4000, 50, 9));
    const w = tensor(randArray(50 * 12, 2), [50, 12]).requireGrad();
    const g = tensor(randArray(4000 * 12, 8, 10), [4000, 12]);
    const run = async () => {
      w.zeroGrad();
      T.embedding(ids, w).backward(g);
      return Array.from(await w.grad!.toArray());
    };
    expect(await run()).toEqual(await run());
  });

  it('i32 tensors can be selected too; errors name the op', async () => {
    const x = ints([10, 11, 12, 13, 14, 15], [3, 2]);
    expect(Array.from(await T.indexSelect(x, 0, ints([2, 0])).toInt32Array())).toEqual([14, 15, 10, 11]);
    expect(() => T.indexSelect(T.zeros([3]), 0, tensor([1, 2]))).toThrow(
      /indexSelect: ids must be an i32 tensor, got f32\[2\]/,
    );
    expect(() => T.indexSelect(T.zeros([3]), 0, ints([1, 2], [1, 2]))).toThrow(
      /indexSelect: ids must be 1-D, got \[1, 2\]/,
    );
    expect(() => T.embedding(ints([1]), T.zeros([3]))).toThrow(/embedding: weight must be 2-D \[V, D\], got \[3\]/);
  });
});

describe('gather and scatterAdd (torch semantics)', () => {
  it('gather along every axis, index smaller than x off-axis, repeats', async () => {
    const xs = [4, 6, 5];
    const cases: [number, number[]][] = [
      [0, [3, 2, 5]],
      [1, [4, 9, 5]],
      [2, [2, 6, 3]],
    ];
    for (const [ax, is] of cases) {
      const list = randInts(numelOf(is), xs[ax], 10 + ax);
      const index = ints(list, is);
      await checkOp({ shapes: [xs], gpu: (x) => T.gather(x, ax, index), cpu: ([x]) => gatherRef(x, xs, ax, list, is) });
    }
  });

  it('gather from a strided view, out-of-range index gives 0', async () => {
    const list = [0, 2, 9, -1, 1, 1];
    const index = ints(list, [2, 3]);
    // x is [3, 2] transposed to [2, 3]
    await vjpCheck((x) => T.gather(x.transpose(0, 1), 1, index), [[3, 2]]);
    const y = await T.gather(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
      ]).transpose(0, 1),
      1,
      index,
    ).toArray();
    expect(Array.from(y)).toEqual([1, 5, 0, 0, 4, 4]);
  });

  it('scatterAdd: gradients for x and src, repeated targets accumulate', async () => {
    const xs = [5, 4],
      is = [3, 4];
    const list = [0, 4, 4, 1, 4, 4, 2, 1, 0, 0, 3, 1];
    const index = ints(list, is);
    await checkOp({
      shapes: [xs, is],
      gpu: (x, s) => T.scatterAdd(x, 0, index, s),
      cpu: ([x, s]) => scatterRef(x, xs, 0, list, is, s, is),
    });
  });

  it('scatterAdd with src larger than index, along the last axis', async () => {
    const xs = [3, 6],
      is = [2, 3],
      ss = [3, 4];
    const list = [5, 5, 0, 2, 7, 2]; // 7 is dropped
    const index = ints(list, is);
    await checkOp({
      shapes: [xs, ss],
      gpu: (x, s) => T.scatterAdd(x, 1, index, s),
      cpu: ([x, s]) => scatterRef(x, xs, 1, list, is, s, ss),
    });
    expect(() => T.scatterAdd(T.zeros([3, 6]), 1, ints([0], [1]), T.zeros([3, 4]))).toThrow(
      /scatterAdd: index \[1\] must have the same rank as input \[3, 6\]/,
    );
    expect(() => T.gather(T.zeros([3, 6]), 1, ints([0, 0, 0, 0], [4, 1]))).toThrow(
      /gather: index \[4, 1\] is larger than input \[3, 6\] in dim 0/,
    );
  });
});

describe('oneHot', () => {
  it('any ids shape; out-of-range ids give zero rows', async () => {
    const y = T.oneHot(ints([2, 0, 4, -1, 5, 1], [2, 3]), 5);
    expect(y.shape).toEqual([2, 3, 5]);
    expect(y.dtype).toBe('f32');
    const want = [2, 0, 4, -1, 5, 1].flatMap((v) => Array.from({ length: 5 }, (_, k) => (k === v ? 1 : 0)));
    expect(Array.from(await y.toArray())).toEqual(want);
    expect(() => T.oneHot(tensor([1]), 3)).toThrow(/oneHot: ids must be an i32 tensor/);
  });
});
