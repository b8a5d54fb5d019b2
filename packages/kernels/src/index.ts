/// <reference types="@webgpu/types" preserve="true" />
// The shipped .d.ts name WebGPU types (GPUDevice, GPUBuffer): consumers get them through this line.
export { getGpu, currentGpu, NoAdapterError, SETUP_COMMAND, type Gpu, type GpuInfo } from './gpu.ts';
export { env } from './env.ts';
export { BufferLimitError, BufferPool, sizeClass, type PoolStats } from './pool.ts';
export { forceVariant, forcedVariant, resetVariants, type VariantOp } from './variants.ts';
export {
  Runtime,
  Params,
  GpuError,
  init,
  runtime,
  hasRuntime,
  shutdown,
  type Kernel,
  type Access,
  type DispatchArgs,
  type Workgroups,
} from './runtime.ts';
export { WG, grid, gridMain, ERF_WGSL, type WgslType } from './wgsl/common.ts';
export { elementwise, MAX_RANK, type EwArgs, type EwInput } from './wgsl/elementwise.ts';
export { reduce, type ReduceArgs, type ReduceOp } from './wgsl/reduce.ts';
export {
  matmul,
  chooseMatmul,
  MATMUL_VARIANTS,
  SMALL_MATMUL,
  type MatmulArgs,
  type MatmulVariant,
  type MatmulShape,
} from './wgsl/matmul.ts';
export { random, philoxCpu, PHILOX_WGSL, type RandomArgs, type RandomDist } from './wgsl/random.ts';
export { fill } from './wgsl/fill.ts';
export {
  layerNormForward,
  layerNormBackward,
  layerNormChunkRows,
  LAYER_NORM_VARIANTS,
  type LayerNormVariant,
  type LayerNormFwdArgs,
  type LayerNormBwdArgs,
} from './wgsl/layernorm.ts';
export {
  softmaxForward,
  softmaxBackward,
  type SoftmaxArgs,
  type SoftmaxBackwardArgs,
  type SoftmaxMode,
  type RowOperand,
} from './wgsl/softmax.ts';
export {
  vicregForward,
  vicregStdGrad,
  vicregCovGrad,
  vicregPlan,
  type VicregMethod,
  type VicregPlan,
} from './wgsl/vicreg.ts';
export { SOFTMAX_VARIANTS, type SoftmaxVariant } from './wgsl/softmax.ts';
export {
  attentionForward,
  attentionBackward,
  attentionRngCount,
  attentionVariant,
  ATTENTION_VARIANTS,
  ATTN_MAX_D,
  type AttnView,
  type AttnDims,
  type AttnBwdArgs,
  type AttentionVariant,
} from './wgsl/attention.ts';
export * from './wgsl/indexing.ts';
export { dropout, type DropoutArgs } from './wgsl/dropout.ts';
export {
  crossEntropyForward,
  crossEntropyBackward,
  type CrossEntropyForwardArgs,
  type CrossEntropyBackwardArgs,
} from './wgsl/cross-entropy.ts';
export { adamw, gradNormInto, type AdamWArgs } from './wgsl/adamw.ts';
export { CROSS_ENTROPY_VARIANTS, type CrossEntropyVariant } from './wgsl/cross-entropy.ts';
export { VICREG_VARIANTS, type VicregBlocks } from './wgsl/vicreg.ts';
export type { PassTime } from './pass-timer.ts';
