// `@jepa/kernels/variants`: the variant-authoring API. Tests and benchmark harnesses force an op's
// kernel design here, and designs kept outside the package (benchmarks/variants/) join the matmul
// and attention dispatchers through registerVariant, built from the same blocks as the built-in
// ones. Production code never needs this entry: each op picks its design per adapter by itself.
// docs/VARIANTS.md describes the policy and how to add a design.
import type { VariantOp } from './variants.ts';
import {
  ATTENTION_VARIANTS,
  addAttentionDesign,
  addedAttentionDesigns,
  type AttentionVariantFactory,
} from './wgsl/attention.ts';
import { CROSS_ENTROPY_VARIANTS } from './wgsl/cross-entropy.ts';
import { LAYER_NORM_VARIANTS } from './wgsl/layernorm.ts';
import { MATMUL_VARIANTS, addMatmulDesign, addedMatmulDesigns, type MatmulVariantPlan } from './wgsl/matmul.ts';
import { SOFTMAX_VARIANTS } from './wgsl/softmax.ts';
import { VICREG_VARIANTS } from './wgsl/vicreg.ts';

export { forceVariant, resetVariants, type VariantOp } from './variants.ts';

/** What a design added from outside provides, per op that takes one. */
export interface VariantFactories {
  matmul: MatmulVariantPlan;
  attention: AttentionVariantFactory;
}
export type PluggableOp = keyof VariantFactories;

/** The designs each op ships with; the op's chooser picks among them per adapter. */
const BUILT_IN: Record<VariantOp, readonly string[]> = {
  attention: ATTENTION_VARIANTS,
  matmul: MATMUL_VARIANTS,
  softmax: SOFTMAX_VARIANTS,
  layernorm: LAYER_NORM_VARIANTS,
  crossEntropy: CROSS_ENTROPY_VARIANTS,
  vicreg: VICREG_VARIANTS,
};

/**
 * Adds design `name` to `op` (matmul: a MatmulVariantPlan; attention: an AttentionVariantFactory),
 * to run when forced (`forceVariant(op, name)`); the adapter's own choice never picks it. A built-in
 * name cannot be taken; registering an added name again replaces its factory.
 */
export function registerVariant<O extends PluggableOp>(op: O, name: string, factory: VariantFactories[O]): void {
  // Checked at run time too: a caller from plain JavaScript has no type to stop it.
  if (op !== 'matmul' && op !== 'attention')
    throw new Error(`registerVariant: only matmul and attention take added designs, got '${op}'`);
  if (!name) throw new Error(`registerVariant: a ${op} variant needs a name, got ''`);
  if (BUILT_IN[op].includes(name))
    throw new Error(`registerVariant: '${name}' is a built-in ${op} variant, got it as a new one`);
  if (op === 'matmul') addMatmulDesign(name, factory as MatmulVariantPlan);
  else addAttentionDesign(name, factory as AttentionVariantFactory);
}

/** Every design `op` can run: the built-in ones first, then those registered, in registration order. */
export function variantNames(op: VariantOp): readonly string[] {
  if (!(op in BUILT_IN))
    throw new Error(`variantNames: unknown op, got '${op}' (known: ${Object.keys(BUILT_IN).join(', ')})`);
  const added = op === 'matmul' ? addedMatmulDesigns() : op === 'attention' ? addedAttentionDesigns() : [];
  return [...BUILT_IN[op], ...added];
}

// The building blocks of a design (the ones the built-in designs are made of).
export { kernel, gridKernel, sumKernel, WG, type Binding, type KernelSpec } from './wgsl/common.ts';
export { PHILOX_WGSL } from './wgsl/random.ts';
export type { Kernel } from './runtime.ts';
// matmul: launches over strided operands with the fused bias/GELU epilogue.
export type { MatmulArgs, MatmulVariantPlan } from './wgsl/matmul.ts';
export {
  matmulKernel,
  epilogueKey,
  epilogueStore,
  epilogueRolled,
  kLoop,
  loadOperand,
  loadMode,
  transposed,
  type EpilogueSpec,
  type Launch,
  type LoadMode,
  type MatmulPlan,
  type MatmulKernelSpec,
} from './wgsl/matmul-common.ts';
export { SG_CONFIG, SG_CONFIGS, SG_LANES, SG_WIDTHS, type SgConfig } from './wgsl/matmul-subgroup.ts';
// attention: the uniform block, view addressing, masking, and the subgroup designs' code generation.
export type { AttentionVariantFactory } from './wgsl/attention.ts';
export {
  BIG,
  NEG,
  PARAMS_WGSL,
  VIEW,
  Row,
  Lane,
  attnBindings,
  attnMain,
  attnGrid,
  causalKeyEnd,
  causalQueryStart,
  causalSees,
  cfgKey,
  keepExpr,
  maskStep,
  prologue,
  queryRowStatsLoop,
  rolledLoad,
  rolledStore,
  rowAt,
  seq,
  sgKernel,
  sgKeyLoop,
  sgShape,
  type AttentionKernels,
  type AttnCfg,
  type AttnLaunch,
  type SgShape,
  type ViewName,
} from './wgsl/attention-common.ts';
export {
  dropWeights,
  keyLoop,
  maskSel,
  wgFor,
  tiledShared as tiledSharedAttention,
} from './wgsl/attention-tiled-shared.ts';
