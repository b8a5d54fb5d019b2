// Multi-head self-attention (HF BertAttention = self + output) on the fused attention op; the
// attention mask becomes the op's key padding mask, so no [B, H, T, T] mask tensor is built.
import { attention, permute, reshape, type Tensor } from '@jepa/tensor';
import { Dropout } from '../layers/dropout.ts';
import { LayerNorm } from '../layers/layernorm.ts';
import { Linear } from '../layers/linear.ts';
import { Module } from '../module.ts';
import type { BertConfig } from './config.ts';

export class BertSelfAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly heads: number;
  readonly headDim: number;

  constructor(readonly config: BertConfig) {
    super();
    const H = config.hidden_size;
    const std = config.initializer_range;
    this.heads = config.num_attention_heads;
    this.headDim = H / this.heads;
    this.query = this.registerModule('query', new Linear(H, H, { std }));
    this.key = this.registerModule('key', new Linear(H, H, { std }));
    this.value = this.registerModule('value', new Linear(H, H, { std }));
  }

  /** x [B, T, H], keyMask f32 [B, T] (1 keep, 0 pad) -> context [B, T, H]. */
  forward(x: Tensor, keyMask?: Tensor): Tensor {
    const [B, T, H] = x.shape;
    const split = (t: Tensor) => permute(reshape(t, [B, T, this.heads, this.headDim]), [0, 2, 1, 3]);
    const ctx = attention(split(this.query.forward(x)), split(this.key.forward(x)), split(this.value.forward(x)), {
      keyMask,
      scale: 1 / Math.sqrt(this.headDim),
      dropout: this.training ? this.config.attention_probs_dropout_prob : 0,
    });
    return reshape(permute(ctx, [0, 2, 1, 3]), [B, T, H]);
  }
}

/** dense -> dropout -> LayerNorm(h + residual): the post-LN residual block BERT uses twice. */
export class BertResidualOutput extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig, inFeatures: number) {
    super();
    this.dense = this.registerModule('dense', new Linear(inFeatures, config.hidden_size, { std: config.initializer_range }));
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hidden_size, config.layer_norm_eps));
    this.dropout = this.registerModule('dropout', new Dropout(config.hidden_dropout_prob));
  }

  forward(h: Tensor, residual: Tensor): Tensor {
    return this.layerNorm.forward(this.dropout.forward(this.dense.forward(h)).add(residual));
  }
}

export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig) {
    super();
    this.self = this.registerModule('self', new BertSelfAttention(config));
    this.output = this.registerModule('output', new BertResidualOutput(config, config.hidden_size));
  }

  forward(x: Tensor, keyMask?: Tensor): Tensor {
    return this.output.forward(this.self.forward(x, keyMask), x);
  }
}
