// Multi-head attention (HF BertAttention = self + output) on the fused attention op; the
// attention mask becomes the op's key padding mask, so no [B, H, T, T] mask tensor is built.
// A decoder's layers use it causally and as cross-attention (keys and values from a context).
import { attention, permute, reshape, type Tensor } from '@jepa/tensor';
import { Dropout } from '../layers/dropout.ts';
import { LayerNorm } from '../layers/layernorm.ts';
import { Linear } from '../layers/linear.ts';
import { Module } from '../module.ts';
import type { BertConfig } from './config.ts';

export interface AttendOptions {
  /** Keys and values from this [B, S, H] tensor instead of the input (cross-attention). */
  context?: Tensor;
  /** Each query position sees only keys at or before it (a decoder's self-attention). */
  causal?: boolean;
}

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

  /**
   * x [B, T, H] -> [B, T, H]. Keys and values come from `opts.context` [B, S, H] when given
   * (cross-attention), else from x; keyMask f32 [B, S] (1 keep, 0 pad); `causal`: query i sees keys
   * j <= i only.
   */
  forward(x: Tensor, keyMask?: Tensor, opts: AttendOptions = {}): Tensor {
    const [B, T, H] = x.shape;
    const c = opts.context ?? x;
    if (c.rank !== 3 || c.shape[0] !== B || c.shape[2] !== H) {
      throw new Error(`BertSelfAttention: context must be [${B}, S, ${H}], got [${c.shape.join(', ')}]`);
    }
    const split = (t: Tensor, n: number) => permute(reshape(t, [B, n, this.heads, this.headDim]), [0, 2, 1, 3]);
    const S = c.shape[1];
    const q = split(this.query.forward(x), T),
      k = split(this.key.forward(c), S),
      v = split(this.value.forward(c), S);
    const scale = 1 / Math.sqrt(this.headDim);
    const dropout = this.training ? this.config.attention_probs_dropout_prob : 0;
    const ctx = attention(q, k, v, { keyMask, scale, dropout, causal: opts.causal });
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
    this.dense = this.registerModule(
      'dense',
      new Linear(inFeatures, config.hidden_size, { std: config.initializer_range }),
    );
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

  forward(x: Tensor, keyMask?: Tensor, opts: AttendOptions = {}): Tensor {
    return this.output.forward(this.self.forward(x, keyMask, opts), x);
  }
}
