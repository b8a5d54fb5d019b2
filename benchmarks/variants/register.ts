// Registers the superseded kernel designs kept here with the production dispatchers, so tests and
// the harness run them through the same ops (forceVariant(op, name)). Imported for its effect.
import { addAttentionVariant } from '../../packages/kernels/src/wgsl/attention.ts';
import { MATMUL_VARIANTS, addMatmulVariant } from '../../packages/kernels/src/wgsl/matmul.ts';
import { registerPlan } from './matmul_register.ts';
import { rowPerThread } from './attention_row_per_thread.ts';
import { subgroupReplicated } from './attention_subgroup_replicated.ts';

addMatmulVariant('registerBlocked', registerPlan('registerBlocked'));
addMatmulVariant('registerVec4', registerPlan('registerVec4'));
addAttentionVariant('rowPerThread', () => rowPerThread);
addAttentionVariant('subgroupReplicated', (S) => {
  if (!S) throw new Error('attention subgroupReplicated: needs subgroups of a fixed size, got none');
  return subgroupReplicated(S);
});

/** Every matmul variant: production first. */
export const MATMUL_ALL: readonly string[] = [...MATMUL_VARIANTS, 'registerBlocked', 'registerVec4'];
/** Every attention variant: production first. */
export const ATTENTION_ALL: readonly string[] = ['subgroupRows', 'tiledShared', 'subgroupReplicated', 'rowPerThread'];
