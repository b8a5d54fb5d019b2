// A batch the device cannot hold is named by the flags that sized it: before any work when the
// embedding output [batch, tokens, hidden] (made whole every step) is already too big, and at the
// first step that meets any other buffer over the device's limit.
import { BufferLimitError, runtime } from '@jepa/tensor';
import type { TrainConfig } from './config.ts';
import { modelSizes } from './preflight.ts';

/** The flags that size a step's buffers, for an error: `--batch-size 30000 (with --max-tokens 32)`. */
const sizedBy = (cfg: TrainConfig) => `--batch-size ${cfg.batchSize} (with --max-tokens ${cfg.maxTokens})`;

/** The largest batch whose buffer of `bytes` (measured at `cfg.batchSize`) fits `limit`; buffers grow with the batch. */
const fitting = (cfg: TrainConfig, bytes: number, limit: number) => Math.floor((cfg.batchSize * limit) / bytes);

function tooBig(cfg: TrainConfig, what: string, bytes: number, limit: number): Error {
  const fits = fitting(cfg, bytes, limit);
  return new Error(
    `${sizedBy(cfg)}: a step needs a buffer of ${bytes} bytes (${what}), above this device's limit of ${limit} bytes (maxStorageBufferBindingSize); ${fits >= 1 ? `try --batch-size ${fits} or less, or a smaller --max-tokens` : 'use a smaller --max-tokens'}`,
  );
}

/** Before the run starts (after the GPU is up): the embedding output of one batch must fit one buffer. */
export function checkBatchFits(cfg: TrainConfig): void {
  const sizes = modelSizes(cfg);
  if (!sizes) return;
  const limit = runtime().limits.maxStorageBufferBindingSize;
  const bytes = cfg.batchSize * cfg.maxTokens * sizes.hidden * 4;
  if (bytes > limit)
    throw tooBig(
      cfg,
      `the embedding output [${cfg.batchSize}, ${cfg.maxTokens}, ${sizes.hidden}] in f32`,
      bytes,
      limit,
    );
}

/** A step that met the device's buffer limit, as an error naming the flags; other errors as they are. */
export function namedBatchLimit(cfg: TrainConfig, e: unknown): unknown {
  return e instanceof BufferLimitError ? tooBig(cfg, e.what, e.bytes, e.limit) : e;
}
