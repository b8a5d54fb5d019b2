// Load an encoder from one of our output dirs or a plain Hugging Face BERT dir, or build a
// randomly initialised one (a baseline).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BertModel, BertTokenizer, bertConfig, type BertPreset } from '@jepa/nn';
import { init, manualSeed } from '@jepa/tensor';
import { loadTrainPool } from '../data/train.ts';
import type { Pooling } from '../train/config.ts';
import { SentenceEncoder } from './encoder.ts';
import { TOKEN_WEIGHTS_FILE, loadTokenWeights, sifWeights } from './sif.ts';

export interface LoadOptions {
  pooling?: Pooling;
  maxTokens?: number;
}

export interface RandomEncoderOptions extends LoadOptions {
  seed?: number;
  /** Training pool for `sif` weights (default: the shipped AskUbuntu titles). */
  trainFile?: string;
}

export async function loadEncoder(dir: string, opts: LoadOptions = {}): Promise<SentenceEncoder> {
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt']) {
    if (!existsSync(join(dir, f))) throw new Error(`--model ${dir}: missing ${f} (expected a dir with config.json, model.safetensors, vocab.txt)`);
  }
  await init();
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { jepa?: { pooling?: Pooling; maxTokens?: number } };
  const { model } = await BertModel.fromPretrained(dir, { strict: false });
  const tokenizer = BertTokenizer.fromVocabFile(join(dir, 'vocab.txt'));
  // Pooling defaults to the model's own, else CLS (the last hidden state at [CLS], not the HF pooler).
  const pooling = opts.pooling ?? cfg.jepa?.pooling ?? 'cls';
  const maxTokens = opts.maxTokens ?? cfg.jepa?.maxTokens ?? 128;
  const weights = await loadTokenWeights(dir, tokenizer.vocabSize);
  if (pooling === 'sif' && !weights) throw new Error(`--model ${dir}: pooling "sif" needs ${TOKEN_WEIGHTS_FILE} (written by pnpm train --pooling sif)`);
  return new SentenceEncoder(model.eval(), tokenizer, pooling, maxTokens, weights);
}

export async function randomEncoder(preset: BertPreset, opts: RandomEncoderOptions = {}): Promise<SentenceEncoder> {
  await init();
  manualSeed(opts.seed ?? 1);
  const bert = new BertModel(bertConfig(preset)).eval();
  const tokenizer = BertTokenizer.default();
  const pooling = opts.pooling ?? 'cls';
  const maxTokens = opts.maxTokens ?? 128;
  const weights = pooling === 'sif' ? sifWeights(tokenizer, loadTrainPool(opts.trainFile), maxTokens) : null;
  return new SentenceEncoder(bert, tokenizer, pooling, maxTokens, weights);
}
