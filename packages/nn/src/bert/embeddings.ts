// word + position + token-type embeddings -> LayerNorm -> dropout (HF BertEmbeddings).
import { add, slice, type Tensor } from '@jepa/tensor';
import { Dropout } from '../layers/dropout.ts';
import { Embedding } from '../layers/embedding.ts';
import { LayerNorm } from '../layers/layernorm.ts';
import { Module } from '../module.ts';
import type { BertConfig } from './config.ts';

export class BertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  /**
   * `opts.wordEmbeddings`: use another module's word table (tied, as a decoder does), not owned: it
   * is not among this module's parameters, so an optimizer over both updates it once.
   */
  constructor(
    readonly config: BertConfig,
    opts: { wordEmbeddings?: Embedding } = {},
  ) {
    super();
    const std = config.initializer_range;
    const H = config.hidden_size;
    const shared = opts.wordEmbeddings;
    if (shared && (shared.numEmbeddings !== config.vocab_size || shared.embeddingDim !== H)) {
      throw new Error(
        `BertEmbeddings: tied word embeddings [${shared.numEmbeddings}, ${shared.embeddingDim}] do not match vocab_size ${config.vocab_size} x hidden_size ${H}`,
      );
    }
    this.wordEmbeddings = shared
      ? this.reference(shared)
      : this.registerModule('word_embeddings', new Embedding(config.vocab_size, H, { std }));
    this.positionEmbeddings = this.registerModule(
      'position_embeddings',
      new Embedding(config.max_position_embeddings, H, { std }),
    );
    this.tokenTypeEmbeddings = this.registerModule(
      'token_type_embeddings',
      new Embedding(config.type_vocab_size, H, { std }),
    );
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(H, config.layer_norm_eps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hidden_dropout_prob));
  }

  /**
   * ids i32 [B, T] -> [B, T, H]. Positions default to 0..T-1 (positionIds i32 [B, T] gives them,
   * as RoBERTa's do); token types default to 0.
   */
  forward(ids: Tensor, tokenTypeIds?: Tensor, positionIds?: Tensor): Tensor {
    const T = ids.shape[1];
    if (positionIds && (positionIds.dtype !== 'i32' || positionIds.shape.join() !== ids.shape.join())) {
      throw new Error(
        `BertEmbeddings: positionIds must be i32 [${ids.shape.join(', ')}] like ids, got ${positionIds.dtype}[${positionIds.shape.join(', ')}]`,
      );
    }
    if (!positionIds && T > this.config.max_position_embeddings) {
      throw new Error(
        `BertEmbeddings: sequence length ${T} exceeds max_position_embeddings ${this.config.max_position_embeddings}`,
      );
    }
    // Positions 0..T-1 and token type 0 are contiguous row ranges: a slice view broadcasts
    // over the batch and needs no gather.
    const pos = positionIds
      ? this.positionEmbeddings.forward(positionIds)
      : slice(this.positionEmbeddings.weight, 0, 0, T);
    const type = tokenTypeIds
      ? this.tokenTypeEmbeddings.forward(tokenTypeIds)
      : slice(this.tokenTypeEmbeddings.weight, 0, 0, 1);
    const e = add(add(this.wordEmbeddings.forward(ids), pos), type);
    return this.dropout.forward(this.layerNorm.forward(e));
  }
}
