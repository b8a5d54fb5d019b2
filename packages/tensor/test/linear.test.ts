// The fused `linear` / `linearGelu` of @jepa/tensor (bias and GELU in the matmul's epilogue) against
// the composition the benchmark uses as its peer row: same forward, same gradients.
import '../../../test/gpu.ts';
import { describe, it } from 'vitest';
import * as T from '../src/index.ts';
import { expectClose, randArray as rand } from './helpers.ts';

const close = (got: Float32Array, want: Float32Array, what: string) => expectClose(got, want, 1e-4, 1e-4, what);

describe('fused linear', () => {
  // [2, 33, 20] @ [36, 20]ᵀ: leading dims fold into 66 rows, output columns not a multiple of 8.
  const xs = [2, 33, 20],
    ws = [36, 20];

  for (const withGelu of [false, true]) {
    it(`${withGelu ? 'linearGelu' : 'linear'}: forward and gradients match the composition`, async () => {
      const run = async (fused: boolean) => {
        const x = T.tensor(rand(2 * 33 * 20, 1), xs).requireGrad();
        const w = T.tensor(rand(36 * 20, 2), ws).requireGrad();
        const b = T.tensor(rand(36, 3), [36]).requireGrad();
        const y = fused
          ? withGelu
            ? T.linearGelu(x, w, b)
            : T.linear(x, w, b)
          : (() => {
              const h = T.matmul(x, T.transpose(w)).add(b);
              return withGelu ? T.gelu(h) : h;
            })();
        // (the composition's intermediates are freed by tidy below)
        const g = T.tensor(rand(2 * 33 * 36, 4), [2, 33, 36]);
        y.backward(g);
        const out = [await y.toArray(), await x.grad!.toArray(), await w.grad!.toArray(), await b.grad!.toArray()];
        for (const t of [x, w, b, y, g]) {
          t.zeroGrad();
          t.dispose();
        }
        return out;
      };
      const fused = await T.tidyAsync(() => run(true)),
        ref = await T.tidyAsync(() => run(false));
      ['y', 'dx', 'dw', 'dbias'].forEach((n, i) => close(fused[i], ref[i], n));
    });
  }

  it('linearGelu without a tape is one fused kernel and matches', async () => {
    const x = T.tensor(rand(66 * 20, 5), [66, 20]);
    const w = T.tensor(rand(36 * 20, 6), ws);
    const b = T.tensor(rand(36, 7), [36]);
    const y = T.noGrad(() => T.linearGelu(x, w, b));
    const h = T.matmul(x, T.transpose(w)).add(b);
    close(await y.toArray(), await T.gelu(h).toArray(), 'y');
  });

  it('a transposed (non-foldable) input falls back to the composition', async () => {
    const x = T.transpose(T.tensor(rand(20 * 3 * 5, 8), [3, 20, 5]), 1, 2); // [3, 5, 20] strided
    const w = T.tensor(rand(36 * 20, 9), ws);
    const b = T.tensor(rand(36, 10), [36]);
    const y = T.linear(x, w, b);
    const ref = T.matmul(T.contiguous(x), T.transpose(w)).add(b);
    close(await y.toArray(), await ref.toArray(), 'y');
  });
});
