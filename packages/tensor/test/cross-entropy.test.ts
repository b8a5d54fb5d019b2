import '../../../test/gpu.ts';
import { forceVariant } from '@jepa/kernels';
import { afterEach, describe, expect, it } from 'vitest';
import * as T from '../src/index.ts';
import { checkOp, expectClose, randArray, vjpCheck } from './helpers.ts';

const { tensor, crossEntropy } = T;

/** float64 mean NLL of log-softmax over non-ignored rows (0 if none), and its gradient. */
function ceRef(x: ArrayLike<number>, t: ArrayLike<number>, N: number, C: number, ignore = -100) {
  let sum = 0,
    count = 0;
  const grad = new Float64Array(N * C);
  const lses: number[] = [];
  for (let i = 0; i < N; i++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[i * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[i * C + c] - m);
    lses.push(m + Math.log(s));
    if (t[i] === ignore) continue;
    sum += lses[i] - x[i * C + t[i]];
    count++;
  }
  for (let i = 0; i < N; i++) {
    if (t[i] === ignore) continue;
    for (let c = 0; c < C; c++) grad[i * C + c] = (Math.exp(x[i * C + c] - lses[i]) - (c === t[i] ? 1 : 0)) / count;
  }
  return { loss: count ? sum / count : 0, grad };
}

function targetsFor(N: number, C: number, seed: number, ignoreEvery = 0, ignore = -100): Int32Array {
  const r = randArray(N, seed);
  return Int32Array.from(r, (v, i) =>
    ignoreEvery && i % ignoreEvery === 1 ? ignore : Math.floor(((v + 1) / 2) * C) % C,
  );
}

const scoped = (fn: () => Promise<void>) => () => T.tidyAsync(fn);

describe('crossEntropy', () => {
  afterEach(() => forceVariant('crossEntropy', null));
  for (const [N, C, every] of [
    [7, 3, 0],
    [9, 3, 3],
    [5, 37, 2],
    [3, 300, 0],
    [1, 1, 0],
  ] as const) {
    it(
      `[${N}, ${C}]${every ? ' with ignored rows' : ''}: forward and finite differences`,
      scoped(async () => {
        const t = targetsFor(N, C, 4, every);
        await checkOp({
          shapes: [[N, C]],
          data: [randArray(N * C, 8, 3)],
          gpu: (x) => crossEntropy(x, tensor(t)),
          cpu: ([x]) => Float64Array.of(ceRef(x, t, N, C).loss),
        });
      }),
    );
  }

  it(
    'every forward variant (thread per row, 32 or 256 threads per row) on short and long rows',
    scoped(async () => {
      for (const variant of ['row', 'wg32', 'wg256'] as const) {
        forceVariant('crossEntropy', variant);
        for (const [N, C] of [
          [70, 3],
          [5, 1000],
        ] as const) {
          const t = targetsFor(N, C, 3, 4);
          const x = randArray(N * C, 2, 5);
          const ref = ceRef(x, t, N, C);
          expect(await crossEntropy(tensor(x, [N, C]), tensor(t)).item(), `${variant} [${N}, ${C}]`).toBeCloseTo(
            ref.loss,
            5,
          );
        }
      }
    }),
  );

  it(
    'C = 30522 (a vocabulary), ignored rows, custom ignoreIndex: vs float64 loss and gradient',
    scoped(async () => {
      const [N, C] = [12, 30522];
      const x = randArray(N * C, 3, 6);
      const t = targetsFor(N, C, 9, 4, -1);
      t[0] = 0;
      t[2] = C - 1; // both ends of the vocabulary
      const ref = ceRef(x, t, N, C, -1);
      const xt = tensor(x, [N, C]).requireGrad();
      const loss = crossEntropy(xt, tensor(t), { ignoreIndex: -1 });
      expect(await loss.item()).toBeCloseTo(ref.loss, 4);
      T.tidy(() => loss.mul(3).backward());
      expectClose(
        await xt.grad!.toArray(),
        ref.grad.map((g) => 3 * g),
        1e-4,
        1e-8,
        'grad',
      );
      xt.zeroGrad();
    }),
  );

  it(
    'VJP on the GPU path, large logits (stability), strided logits',
    scoped(async () => {
      const t = targetsFor(16, 50, 2, 5);
      await vjpCheck((x) => crossEntropy(x, tensor(t)), [[16, 50]], { data: [randArray(800, 1, 40)] });
      const base = randArray(6 * 4, 7, 2);
      const tt = Int32Array.of(0, 3, 1, 2, 3, -100);
      await checkOp({
        shapes: [[4, 6]],
        data: [base],
        gpu: (x) => crossEntropy(x.T, tensor(tt)), // [6, 4] view
        cpu: ([x]) => {
          const xT = new Float64Array(24);
          for (let i = 0; i < 6; i++) for (let c = 0; c < 4; c++) xT[i * 4 + c] = x[c * 6 + i];
          return Float64Array.of(ceRef(xT, tt, 6, 4).loss);
        },
      });
      const huge = tensor([
        [1000, -1000, 0],
        [-1e30, 5, 4],
      ]);
      const v = await crossEntropy(huge, tensor(Int32Array.of(0, 2))).item();
      expect(v).toBeCloseTo((0 + (5 + Math.log(1 + Math.exp(-1)) - 4)) / 2, 4);
    }),
  );

  it(
    'all rows ignored: loss 0 and zero gradient, no NaN; out-of-range targets give NaN',
    scoped(async () => {
      const x = tensor(randArray(12, 1), [4, 3]).requireGrad();
      const loss = crossEntropy(x, tensor(Int32Array.of(-100, -100, -100, -100)));
      expect(await loss.item()).toBe(0);
      T.tidy(() => loss.backward());
      expect(Array.from(await x.grad!.toArray()).every((g) => g === 0)).toBe(true);
      x.zeroGrad();
      expect(await crossEntropy(x, tensor(Int32Array.of(0, 1, 3, 2))).item()).toBeNaN();
      expect(() => crossEntropy(x, tensor(Int32Array.of(0, 1, 2)))).toThrow(/targets must be i32 \[4\]/);
      expect(() => crossEntropy(x, tensor([0, 1, 2, 1]))).toThrow(/targets must be i32/);
    }),
  );
});
