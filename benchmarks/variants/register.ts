// Registers the superseded kernel designs kept here with the production dispatchers, so tests and
// the harness run them through the same ops (forceVariant(op, name)). Imported for its effect.
import { registerVariant, variantNames } from '@jepa/kernels/variants';
import { registerPlan } from './matmul-register.ts';
import { rowPerThread } from './attention-row-per-thread.ts';
import { subgroupReplicated } from './attention-subgroup-replicated.ts';

registerVariant('matmul', 'registerBlocked', registerPlan('registerBlocked'));
registerVariant('matmul', 'registerVec4', registerPlan('registerVec4'));
registerVariant('attention', 'subgroupReplicated', (S) => {
  if (!S) throw new Error('attention subgroupReplicated: needs subgroups of a fixed size, got none');
  return subgroupReplicated(S);
});
registerVariant('attention', 'rowPerThread', () => rowPerThread);

/** Every matmul variant: production first. */
export const MATMUL_ALL: readonly string[] = variantNames('matmul');
/** Every attention variant: production first. */
export const ATTENTION_ALL: readonly string[] = variantNames('attention');
