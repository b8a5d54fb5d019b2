export { init, shutdown, runtime, BufferLimitError } from '@jepa/kernels';
export { Tensor, Storage, type DType } from './tensor.ts';
export { backward, noGrad, isGradEnabled, record, type GradNode, type RecordOptions } from './autograd.ts';
export { tidy, tidyAsync, keep, leakedCount, checkLeaks } from './scope.ts';
export { broadcastShapes, contiguousStrides, numel, fmt, type Shape } from './shape.ts';
export { rowsPerBinding } from './binding.ts';
export * from './ops/index.ts';
