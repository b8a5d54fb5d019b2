// Encoders: loaded from a model dir (pretrained.ts, runs anywhere) or randomly initialised (a
// baseline; Node: its SIF weights count the training pool on disk).
import { BertModel, BertTokenizer, bertConfig, type BertPreset } from '@jepa/nn';
import { init, manualSeed } from '@jepa/tensor';
import { loadTrainPool } from '../data/train.ts';
import { SentenceEncoder } from './encoder.ts';
import type { LoadOptions } from './pretrained.ts';
import { sifWeights } from './sif.ts';
import { applyEmbeddingInit, type EmbeddingInit } from './init.ts';

export { loadEncoder, encoderFromFiles, type LoadOptions, type EncoderFiles } from './pretrained.ts';

export interface RandomEncoderOptions extends LoadOptions {
  seed?: number;
  /** Training pool for `sif` weights (default: the shipped AskUbuntu titles). */
  trainFile?: string;
  /** Input-embedding init, as the trainer's `embeddingInit` (default `bert`). */
  embeddingInit?: EmbeddingInit;
}

export async function randomEncoder(preset: BertPreset, opts: RandomEncoderOptions = {}): Promise<SentenceEncoder> {
  await init();
  manualSeed(opts.seed ?? 1);
  const bert = new BertModel(bertConfig(preset)).eval();
  const tokenizer = BertTokenizer.default();
  const pooling = opts.pooling ?? 'cls';
  const maxTokens = opts.maxTokens ?? 128;
  const mode = opts.embeddingInit ?? 'bert';
  const pool = pooling === 'sif' || mode === 'ppmi' ? loadTrainPool(opts.trainFile) : [];
  await applyEmbeddingInit(bert, mode, { tokenizer, pool, maxTokens, seed: opts.seed ?? 1 });
  const weights = pooling === 'sif' ? sifWeights(tokenizer, pool, maxTokens) : null;
  return new SentenceEncoder(bert, tokenizer, pooling, maxTokens, weights);
}
