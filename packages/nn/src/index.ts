export * from './tokenizer/index.ts';
export * from './safetensors/index.ts';
export * from './io/atomic.ts';
export { Module, type Layer, type LoadStateDictOptions, type LoadStateDictResult } from './module.ts';
export { copyInto, toHost, type HostTensor, type TensorLike } from './state.ts';
export { BERT_INIT_STD } from './init.ts';
export * from './layers/index.ts';
export { Expander, type ExpanderOptions } from './expander.ts';
export * from './bert/index.ts';
export * from './optim/index.ts';
export {
  saveCheckpoint, loadCheckpoint, readCheckpointState,
  type CheckpointParts, type CheckpointState, type SaveCheckpointOptions, type LoadCheckpointOptions,
} from './checkpoint.ts';
