// The one encoder builder: BERT from scratch (a preset, an input-embedding init) or from a Hugging
// Face dir, its tokenizer, and SIF weights counted on the training pool when the pooling needs them.
// The trainer starts from it and the untrained baselines are it, so a baseline is the run's start.
import { BertModel, BertTokenizer, bertConfig, fileExists, joinPath, readText, type BertPreset } from '@jepa/nn';
import { init, manualSeed } from '@jepa/tensor';
import { loadTrainPool } from '../data/train.ts';
import type { Pooling } from './encoder.ts';
import { SentenceEncoder } from './encoder.ts';
import { applyEmbeddingInit, type EmbeddingInit } from './init.ts';
import { reportLenient } from './pretrained.ts';
import { sifWeights } from './sif.ts';

/** What shapes an encoder (the fields of a TrainConfig by the same names). */
export interface EncoderSpec {
  preset: BertPreset;
  /** A Hugging Face BERT dir to load instead of building `preset` from scratch. */
  init: string | null;
  lenientLoad: boolean;
  embeddingInit: EmbeddingInit;
  pooling: Pooling;
  maxTokens: number;
  seed: number;
  /** Hidden dropout (null: the model's own). From scratch, attention dropout is 0. */
  dropout: number | null;
  /** The training pool, for `ppmi` and `sif` (null: the shipped AskUbuntu titles). */
  trainFile: string | null;
}

/**
 * Build the encoder `spec` describes, seeded by `spec.seed`. `pool` (default: read from
 * `spec.trainFile` when needed) gives the `ppmi` init and SIF pooling their counts; `log` hears
 * what the `ppmi` init did.
 */
export async function buildEncoder(
  spec: EncoderSpec,
  opts: { pool?: readonly string[]; log?: (message: string) => void } = {},
): Promise<SentenceEncoder> {
  await init();
  let pool = opts.pool;
  const readPool = () => (pool ??= loadTrainPool(spec.trainFile ?? undefined));
  manualSeed(spec.seed);
  let bert: BertModel;
  let tokenizer: BertTokenizer;
  if (spec.init) {
    await requireBertDir(spec.init);
    const dropout = spec.dropout === null ? {} : { configOverrides: { hidden_dropout_prob: spec.dropout } };
    const loaded = await BertModel.fromPretrained(spec.init, { strict: !spec.lenientLoad, ...dropout });
    if (spec.lenientLoad) reportLenient(spec.init, loaded.load);
    bert = loaded.model;
    tokenizer = loaded.tokenizer;
  } else {
    const over = spec.dropout === null ? {} : { hidden_dropout_prob: spec.dropout, attention_probs_dropout_prob: 0 };
    bert = new BertModel(bertConfig(spec.preset, { attention_probs_dropout_prob: 0, ...over }));
    tokenizer = BertTokenizer.default();
    const texts = spec.embeddingInit === 'ppmi' ? readPool() : [];
    const report = await applyEmbeddingInit(bert, spec.embeddingInit, {
      tokenizer,
      pool: texts,
      maxTokens: spec.maxTokens,
      seed: spec.seed,
    });
    if (report) {
      opts.log?.(
        `embedding init ppmi: ${report.rows} word rows from ${texts.length} texts (${report.pairs} co-occurring pairs, ${report.nonzeros} positive PMI), ${report.seconds.toFixed(1)} s`,
      );
    }
  }
  const weights = spec.pooling === 'sif' ? sifWeights(tokenizer, readPool(), spec.maxTokens) : null;
  return new SentenceEncoder(bert, tokenizer, spec.pooling, spec.maxTokens, weights);
}

/** Training starts from BERT dirs only; another architecture gets a message that says what works instead. */
async function requireBertDir(dir: string): Promise<void> {
  const path = joinPath(dir, 'config.json');
  if (!(await fileExists(path))) return; // BertModel.fromPretrained names the missing file
  let type: unknown;
  try {
    type = (JSON.parse(await readText(path)) as { model_type?: unknown }).model_type;
  } catch {
    return; // fromPretrained reports the bad JSON with its position
  }
  if (type !== undefined && type !== 'bert') {
    throw new Error(
      `--init ${dir}: config.json says model_type "${String(type)}"; training starts from BERT dirs only (score or embed it with pnpm eval / pnpm encode --model ${dir})`,
    );
  }
}
