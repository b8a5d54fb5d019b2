export * from './core.ts';
export * from './io/atomic.ts';
export { saveSafetensorsFile } from './safetensors/save.ts';
export type { TensorsToSave } from './safetensors/input.ts';
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointState,
  type CheckpointParts,
  type CheckpointState,
  type SaveCheckpointOptions,
  type LoadCheckpointOptions,
} from './checkpoint.ts';
