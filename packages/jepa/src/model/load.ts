// Encoders: loaded from a model dir (pretrained.ts, runs anywhere) or randomly initialised (a
// baseline; Node: its SIF weights count the training pool on disk).
import type { BertPreset } from '@jepa/nn';
import { buildEncoder } from './build.ts';
import { DEFAULT_MAX_TOKENS, type SentenceEncoder } from './encoder.ts';
import type { EmbeddingInit } from './init.ts';
import type { LoadOptions } from './pretrained.ts';

export { loadEncoder, encoderFromFiles, type LoadOptions, type EncoderFiles } from './pretrained.ts';
export { buildEncoder, type EncoderSpec } from './build.ts';

export interface RandomEncoderOptions extends LoadOptions {
  seed?: number;
  /** Training pool for `sif` weights and the `ppmi` init (default: the shipped AskUbuntu titles). */
  trainFile?: string;
  /** Input-embedding init, as the trainer's `embeddingInit` (default `bert`). */
  embeddingInit?: EmbeddingInit;
}

/**
 * An untrained encoder in eval mode. Its defaults are the library's (a bare BERT: `cls` pooling,
 * BERT's own init, seed 1, DEFAULT_MAX_TOKENS), not the training recipe's: pass the trainer's
 * values to get a run's starting point.
 */
export async function randomEncoder(preset: BertPreset, opts: RandomEncoderOptions = {}): Promise<SentenceEncoder> {
  const enc = await buildEncoder({
    preset,
    init: null,
    lenientLoad: false,
    dropout: null,
    trainFile: opts.trainFile ?? null,
    seed: opts.seed ?? 1,
    pooling: opts.pooling ?? 'cls',
    maxTokens: opts.maxTokens ?? DEFAULT_MAX_TOKENS,
    embeddingInit: opts.embeddingInit ?? 'bert',
  });
  enc.bert.eval();
  return enc;
}
