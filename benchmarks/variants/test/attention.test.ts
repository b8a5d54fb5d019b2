// The superseded attention variants against the float64 reference of packages/tensor/test, through
// the tensor op (forward and backward), with padding, dropout and (rowPerThread) causal masking.
import '../../../test/gpu.ts';
import { forceVariant, runtime } from '@jepa/kernels';
import { afterEach, describe, it } from 'vitest';
import { compare, compareDropout, padMask } from '../../../packages/tensor/test/attention-ref.ts';
import '../register.ts';

afterEach(() => forceVariant('attention', null));

describe('attention variants kept for comparison', () => {
  it('subgroupReplicated (subgroups, replicated softmax) agrees with the reference', async (ctx) => {
    if (!runtime().gpu.info.subgroupSize) ctx.skip();
    forceVariant('attention', 'subgroupReplicated');
    await compare({ B: 2, H: 2, Tq: 9, Tk: 37, D: 16, mask: padMask(2, 37, 9, 1) });
  });

  it('rowPerThread (a row per invocation) agrees with the reference', async () => {
    forceVariant('attention', 'rowPerThread');
    await compare({ B: 2, H: 1, Tq: 9, Tk: 13, D: 8, mask: padMask(2, 13, 4, 1) });
  });

  for (const variant of ['subgroupReplicated', 'rowPerThread'] as const) {
    it(`${variant}: forward and gradients match the reference with the regenerated dropout mask`, async (ctx) => {
      if (variant === 'subgroupReplicated' && !runtime().gpu.info.subgroupSize) ctx.skip();
      forceVariant('attention', variant);
      await compareDropout({ B: 2, H: 2, Tq: 9, Tk: 13, D: variant === 'subgroupReplicated' ? 16 : 8 });
    });
  }

  it('rowPerThread: causal, Tq != Tk both ways, with padding', async () => {
    forceVariant('attention', 'rowPerThread');
    await compare({ B: 1, H: 2, Tq: 7, Tk: 33, D: 16, causal: true, mask: padMask(1, 33, 8, 1) });
    await compare({ B: 2, H: 1, Tq: 33, Tk: 7, D: 8, causal: true });
  });
});
