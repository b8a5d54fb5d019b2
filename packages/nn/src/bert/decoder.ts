// A Transformer decoder in Hugging Face's BertLMHeadModel layout (config is_decoder and
// add_cross_attention): each layer is causal self-attention, cross-attention to a context, then the
// feed-forward block, all post-LN; logits come from the MLM head, whose output matrix is the word
// embedding table. TSDAE's decoder: the context is the sentence vector alone ([B, 1, H]), and the
// decoder is tied to an encoder, either entirely (embeddings, self-attention and feed-forward
// shared; only cross-attention and the head are its own, as HF's tie_encoder_decoder does) or
// through the word embeddings only.
import type { Tensor } from '@jepa/tensor';
import { ModuleList } from '../layers/sequential.ts';
import { Module } from '../module.ts';
import { BertAttention, BertResidualOutput } from './attention.ts';
import type { BertConfig } from './config.ts';
import { BertEmbeddings } from './embeddings.ts';
import { BertIntermediate, type BertLayer } from './layer.ts';
import { BertMLMHead } from './mlm.ts';
import type { BertModel } from './model.ts';

/** What a decoder shares with its encoder: everything but cross-attention and the head, or the word table. */
export type DecoderTie = 'all' | 'embeddings';
export const DECODER_TIES: readonly DecoderTie[] = ['all', 'embeddings'];

export class BertDecoderLayer extends Module {
  readonly attention: BertAttention;
  readonly crossattention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  /** `shared`: an encoder layer whose self-attention and feed-forward this layer uses (not owns). */
  constructor(config: BertConfig, shared?: BertLayer) {
    super();
    // Registration order is HF's: attention, crossattention, intermediate, output.
    // Shared modules are held by reference(): the encoder owns them, so they are not in this state dict.
    this.attention = shared
      ? this.reference(shared.attention)
      : this.registerModule('attention', new BertAttention(config));
    this.crossattention = this.registerModule('crossattention', new BertAttention(config));
    this.intermediate = shared
      ? this.reference(shared.intermediate)
      : this.registerModule('intermediate', new BertIntermediate(config));
    this.output = shared
      ? this.reference(shared.output)
      : this.registerModule('output', new BertResidualOutput(config, config.intermediate_size));
  }

  /** x [B, T, H], context [B, S, H], contextMask [B, S] (1 keep, 0 pad) -> [B, T, H]. */
  forward(x: Tensor, context: Tensor, contextMask?: Tensor): Tensor {
    const a = this.attention.forward(x, undefined, { causal: true });
    const c = this.crossattention.forward(a, contextMask, { context });
    return this.output.forward(this.intermediate.forward(c), c);
  }
}

/** The layer stack (HF: bert.encoder of a BertLMHeadModel). */
export class BertDecoderStack extends Module {
  readonly layer: ModuleList<BertDecoderLayer>;

  constructor(layers: BertDecoderLayer[]) {
    super();
    this.layer = this.registerModule('layer', new ModuleList(layers));
  }
}

/** Embeddings + layer stack (HF: the `bert` of a BertLMHeadModel, without pooler). */
export class BertDecoderModel extends Module {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertDecoderStack;

  constructor(config: BertConfig, encoder: BertModel, tie: DecoderTie, layers: number) {
    super();
    const all = tie === 'all';
    this.embeddings = all
      ? this.reference(encoder.embeddings)
      : this.registerModule(
          'embeddings',
          new BertEmbeddings(config, { wordEmbeddings: encoder.embeddings.wordEmbeddings }),
        );
    const shared = encoder.encoder.layer.items;
    const stack = Array.from({ length: layers }, (_, i) => new BertDecoderLayer(config, all ? shared[i] : undefined));
    this.encoder = this.registerModule('encoder', new BertDecoderStack(stack));
  }
}

export interface BertDecoderOptions {
  /** Default 'all' (TSDAE's best setting). */
  tie?: DecoderTie;
  /** Layers; default the encoder's (and with tie 'all' it must be, each layer shares one). */
  layers?: number;
}

export class BertDecoder extends Module {
  readonly config: BertConfig;
  readonly tie: DecoderTie;
  readonly bert: BertDecoderModel;
  readonly cls: BertMLMHead;

  constructor(encoder: BertModel, opts: BertDecoderOptions = {}) {
    super();
    this.config = encoder.config;
    this.tie = opts.tie ?? 'all';
    if (!DECODER_TIES.includes(this.tie))
      throw new Error(`BertDecoder: tie must be one of ${DECODER_TIES.join('|')}, got "${this.tie}"`);
    const n = opts.layers ?? this.config.num_hidden_layers;
    if (!Number.isInteger(n) || n < 1) throw new Error(`BertDecoder: layers must be a positive integer, got ${n}`);
    if (this.tie === 'all' && n !== this.config.num_hidden_layers) {
      throw new Error(
        `BertDecoder: tie "all" shares each encoder layer, so layers must be ${this.config.num_hidden_layers}, got ${n}`,
      );
    }
    this.bert = this.registerModule('bert', new BertDecoderModel(this.config, encoder, this.tie, n));
    this.cls = this.registerModule('cls', new BertMLMHead(this.config, encoder.embeddings.wordEmbeddings));
  }

  /** The word table: input embeddings and output matrix, the encoder's own tensor. */
  get wordEmbeddings(): Tensor {
    return this.cls.decoderWeight;
  }

  /** ids i32 [B, T], context [B, S, H] (S = 1 for a sentence vector) -> hidden states [B, T, H]. */
  forward(ids: Tensor, context: Tensor, contextMask?: Tensor): Tensor {
    let h = this.bert.embeddings.forward(ids);
    for (const l of this.bert.encoder.layer.items) h = l.forward(h, context, contextMask);
    return h;
  }

  /** hidden [..., H] -> logits [..., vocab]. */
  logits(hidden: Tensor): Tensor {
    return this.cls.forward(hidden);
  }

  /**
   * Mean cross-entropy of the tokens `targets` at flat rows `positions` of hidden [B, T, H] (the
   * vocabulary-wide logits exist only for those rows, in chunks under the binding limit).
   */
  loss(hidden: Tensor, positions: Int32Array, targets: Int32Array): Tensor {
    return this.cls.loss(hidden, positions, targets);
  }
}
