// The variant-authoring API (@jepa/kernels/variants) as the harness uses it: added designs listed
// after the built-in ones, built-in names and other ops refused. No GPU needed.
import { describe, expect, it } from 'vitest';
import { registerVariant, variantNames, type PluggableOp } from '@jepa/kernels/variants';
import { ATTENTION_ALL, MATMUL_ALL } from '../register.ts';

describe('@jepa/kernels/variants', () => {
  it('lists the built-in designs first, then the registered ones in order', () => {
    expect(MATMUL_ALL).toEqual(['direct', 'subgroupShared', 'tiledShared', 'registerBlocked', 'registerVec4']);
    expect(ATTENTION_ALL).toEqual(['subgroupRows', 'tiledShared', 'subgroupReplicated', 'rowPerThread']);
    expect(variantNames('softmax')).toEqual(['row', 'wg']);
  });

  it('refuses a built-in name, an empty name and an op that takes no added design', () => {
    const plan = () => {
      throw new Error('not run');
    };
    expect(() => registerVariant('matmul', 'direct', plan)).toThrow(/'direct' is a built-in matmul variant/);
    expect(() => registerVariant('attention', '', plan)).toThrow(/needs a name/);
    expect(() => registerVariant('softmax' as PluggableOp, 'x', plan)).toThrow(/only matmul and attention/);
    expect(() => variantNames('conv' as 'matmul')).toThrow(/unknown op, got 'conv'/);
  });
});
