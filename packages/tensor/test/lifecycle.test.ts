// Edges of the tensor API a user meets: matmul of two vectors is a dot product (as torch.matmul),
// and a tensor kept across shutdown() / init() is an error naming it, not a driver message.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { expectClose, randArray } from './helpers.ts';

const { tensor } = T;

describe('matmul of 1-D tensors', () => {
  it('two vectors give their dot product as a 0-d tensor, with gradients b and a', async () => {
    const n = 37;
    const av = randArray(n, 1),
      bv = randArray(n, 2);
    const a = tensor(av, [n]).requireGrad(),
      b = tensor(bv, [n]).requireGrad();
    const d = T.matmul(a, b);
    expect(d.shape).toEqual([]);
    let want = 0;
    for (let i = 0; i < n; i++) want += av[i] * bv[i];
    expect(await d.item()).toBeCloseTo(want, 4);
    d.backward();
    expectClose(await a.grad!.toArray(), bv);
    expectClose(await b.grad!.toArray(), av);
    expect(() => T.matmul(a, tensor([1, 2]))).toThrow('matmul: 1-D operands differ in length: [37] @ [2]');
  });

  it('vector @ matrix and matrix @ vector keep their shapes', async () => {
    const m = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(await T.matmul(tensor([1, -1]), m).toNested()).toEqual([-3, -3, -3]);
    expect(await T.matmul(m, tensor([1, 0, -1])).toNested()).toEqual([-2, -2]);
  });
});

describe('tensors across shutdown() and init()', () => {
  it('an old tensor used with the new runtime is an error naming it', async () => {
    const w = tensor([1, 2, 3]).setName('w');
    await T.shutdown();
    await T.init();
    const stale =
      /tensor "w" f32\[3\] \(id \d+\) was created before shutdown\(\); tensors do not outlive their GPU runtime/;
    expect(() => T.add(w, 1)).toThrow(stale);
    expect(() => T.matmul(w, w)).toThrow(stale);
    await expect(w.toArray()).rejects.toThrow(stale);
    expect(Array.from(await T.add(tensor([1, 2, 3]), 1).toArray())).toEqual([2, 3, 4]); // new tensors work
  });
});
