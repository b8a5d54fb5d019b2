// A sentence encoder: tokenizer + BERT + pooling. forward() keeps the tape (training);
// embed() runs in eval mode without it, in batches, and returns host vectors.
import { type BertModel, type BertTokenizer, pool } from '@jepa/nn';
import { noGrad, tensor, tidyAsync, type Tensor } from '@jepa/tensor';
import { l2Normalize } from '../eval/cosine.ts';
import type { WordScale } from './word-scale.ts';

/** Tokens kept per sentence unless a caller says otherwise: AskUbuntu titles fit in 32. */
/** How token states become a sentence vector (`sif`: a mean weighted by a/(a + p(token)), model/sif.ts). */
export const POOLINGS = ['cls', 'mean', 'max', 'sif'] as const;
export type Pooling = (typeof POOLINGS)[number];

export const DEFAULT_MAX_TOKENS = 32;

export interface Batch {
  ids: Tensor;
  mask: Tensor;
  /** Host copies, for objectives that edit tokens (MLM). */
  hostIds: Int32Array;
  hostMask: Int32Array;
  batch: number;
  seqLen: number;
}

export interface EmbedOptions {
  /** Texts per forward pass (default 128). */
  batchSize?: number;
  /** Unit-length vectors (L2, in float64; a zero vector stays zero). Default: the encoder's `normalize`. */
  normalize?: boolean;
}

export class SentenceEncoder {
  /** A learnt scale on the `sif` weights while training (`--sif-lr-scale`); null: the counted weights. */
  wordScale: WordScale | null = null;

  constructor(
    readonly bert: BertModel,
    readonly tokenizer: BertTokenizer,
    readonly pooling: Pooling,
    readonly maxTokens: number,
    /** Per-token-id weights for `sif` pooling (see sif.ts); required by it, unused otherwise. */
    readonly tokenWeights: Float32Array | null = null,
    /** embed()'s default for `normalize` (a sentence-transformers Normalize module sets it). */
    readonly normalize = false,
  ) {
    if (pooling === 'sif' && !tokenWeights) {
      throw new Error(
        'pooling "sif" needs token weights: a model dir with token_weights.safetensors, or a training pool to count them from',
      );
    }
    if (tokenWeights && tokenWeights.length !== tokenizer.vocabSize) {
      throw new Error(`token weights: ${tokenWeights.length} entries for a vocabulary of ${tokenizer.vocabSize}`);
    }
  }

  get hidden(): number {
    return this.bert.config.hidden_size;
  }

  tokenize(texts: readonly string[]): Batch {
    const enc = this.tokenizer.encodeBatch([...texts], {
      maxLength: this.maxTokens,
      padding: 'longest',
      truncation: true,
    });
    return {
      ids: tensor(enc.ids, [enc.batch, enc.seqLen], 'i32'),
      mask: tensor(Float32Array.from(enc.attentionMask), [enc.batch, enc.seqLen]),
      hostIds: enc.ids,
      hostMask: enc.attentionMask,
      batch: enc.batch,
      seqLen: enc.seqLen,
    };
  }

  /** Pooled embeddings [B, H] of a tokenized batch (differentiable). */
  encode(b: Batch): Tensor {
    const { lastHidden } = this.bert.forward(b.ids, b.mask);
    if (this.pooling !== 'sif') return pool(lastHidden, b.mask, this.pooling);
    // A weighted mean: the attention mask stays 0/1, only the pooling mask carries the weights.
    const w = this.tokenWeights!;
    const wm = tensor(
      Float32Array.from(b.hostIds, (id, j) => (b.hostMask[j] ? w[id] : 0)),
      [b.batch, b.seqLen],
    );
    return pool(lastHidden, this.wordScale ? this.wordScale.weigh(b.ids, wm) : wm, 'mean');
  }

  /** The `sif` weights to save with the model: the counted ones, times the learnt scale if any. */
  async savedTokenWeights(): Promise<Float32Array | null> {
    if (!this.tokenWeights || !this.wordScale) return this.tokenWeights;
    return this.wordScale.fold(this.tokenWeights);
  }

  forward(texts: readonly string[]): Tensor {
    return this.encode(this.tokenize(texts));
  }

  /**
   * Host embeddings for many texts, in eval mode and batches; restores the previous mode. The
   * second argument is the options or, as before, the batch size.
   */
  async embed(texts: readonly string[], options: EmbedOptions | number = {}): Promise<Float32Array[]> {
    const o = typeof options === 'number' ? { batchSize: options } : options;
    const batchSize = o.batchSize ?? 128;
    const normalize = o.normalize ?? this.normalize;
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new Error(`embed: batchSize must be a positive integer, got ${batchSize}`);
    const wasTraining = this.bert.training;
    this.bert.eval();
    const out: Float32Array[] = [];
    try {
      // Sort by length so each batch pads little; restore order at the end.
      const order = [...texts.keys()].sort((a, b) => texts[a].length - texts[b].length);
      const tmp = new Array<Float32Array>(texts.length);
      for (let i = 0; i < order.length; i += batchSize) {
        const idx = order.slice(i, i + batchSize);
        const flat = await tidyAsync(async () => {
          const e = noGrad(() => this.forward(idx.map((k) => texts[k])));
          return e.toArray();
        });
        const H = flat.length / idx.length;
        const bad = flat.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          const text = texts[idx[Math.floor(bad / H)]];
          throw new NonFiniteError(
            `embed: the embedding of "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" holds ${flat[bad]} (the model's weights are not finite, or overflow)`,
          );
        }
        idx.forEach((k, j) => {
          const row = flat.slice(j * H, (j + 1) * H);
          tmp[k] = normalize ? l2Normalize(row) : row;
        });
      }
      out.push(...tmp);
    } finally {
      if (wasTraining) this.bert.train();
    }
    return out;
  }
}

/** Embeddings with NaN or infinite values: never a usable result. */
export class NonFiniteError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'NonFiniteError';
  }
}
