export { getGpu, currentGpu, NoAdapterError, SETUP_COMMAND, type Gpu, type GpuInfo } from './gpu.ts';
export { BufferPool, sizeClass, type PoolStats } from './pool.ts';
export {
  Runtime, Params, GpuError, init, runtime, hasRuntime, shutdown,
  type Kernel, type Access, type DispatchArgs, type Workgroups,
} from './runtime.ts';
export { WG, grid, gridMain, ERF_WGSL, type WgslType } from './wgsl/common.ts';
export { elementwise, MAX_RANK, type EwArgs, type EwInput } from './wgsl/elementwise.ts';
export { reduce, type ReduceArgs, type ReduceOp } from './wgsl/reduce.ts';
export { matmul, type MatmulArgs } from './wgsl/matmul.ts';
export { random, philoxCpu, PHILOX_WGSL, type RandomArgs, type RandomDist } from './wgsl/random.ts';
export { fill } from './wgsl/fill.ts';
