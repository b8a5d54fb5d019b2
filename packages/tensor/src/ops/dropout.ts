// Dropout with the mask regenerated in the backward from (seed, offset): no mask tensor is kept.
import { dropout as dropoutKernel } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { Tensor } from '../tensor.ts';
import { takeOffset } from './random.ts';
import { contiguous } from './view.ts';

function apply(x: Tensor, p: number, seed: number, offset: number, what: string): Tensor {
  const xc = x.isContiguous() ? x : contiguous(x);
  const out = Tensor.empty(x.shape, 'f32', what);
  dropoutKernel({ x: xc.buffer, out: out.buffer, n: x.size, p, seed, offset });
  if (xc !== x) xc.dispose();
  return out;
}

/** Zero each element with probability p and scale the rest by 1/(1-p); identity when p = 0 or not training. */
export function dropout(x: Tensor, p: number, training = true): Tensor {
  x.assertAlive('dropout');
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: p must be in [0, 1], got ${p}`);
  // An alias (no copy, no kernel) that still passes the gradient through.
  if (!training || p === 0) return record(x.alias(), 'dropout', [x], (g) => [g]);
  if (x.dtype !== 'f32') throw new Error(`dropout: expects an f32 tensor, got ${x.dtype}`);
  const { seed, offset } = takeOffset(x.size);
  const out = apply(x, p, seed, offset, 'dropout output');
  return record(out, 'dropout', [x], (g) => [apply(g, p, seed, offset, 'dropout grad')]);
}
