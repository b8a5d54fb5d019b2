// One Transformer encoder block as torch.nn.TransformerEncoderLayer (batch_first): the same
// parameter names (self_attn.*, linear1, linear2, norm1, norm2), post-norm by default (the
// original Transformer, BERT) or pre-norm (normFirst: more stable for deep stacks from scratch).
import { gelu, relu, type Tensor } from '@jepa/tensor';
import { Module } from '../module.ts';
import { MultiheadAttention, type AttentionCallOptions } from './attention.ts';
import { Dropout } from './dropout.ts';
import { LayerNorm } from './layernorm.ts';
import { checkDim, Linear } from './linear.ts';

export interface TransformerEncoderLayerOptions {
  /** Hidden size of the feed-forward block (default 2048, PyTorch's). */
  dimFeedforward?: number;
  /** Dropout after attention, in and after the feed-forward block, and on attention probabilities (default 0.1). */
  dropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  /** LayerNorm before each sub-block (pre-norm) instead of after the residual sum (default false). */
  normFirst?: boolean;
  bias?: boolean;
  /** Default for forward's `causal`. */
  causal?: boolean;
}

export class TransformerEncoderLayer extends Module {
  readonly normFirst: boolean;
  readonly activation: 'relu' | 'gelu';
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    opts: TransformerEncoderLayerOptions = {},
  ) {
    super();
    const ff = opts.dimFeedforward ?? 2048;
    checkDim('TransformerEncoderLayer', 'dimFeedforward', ff);
    const p = opts.dropout ?? 0.1;
    const bias = opts.bias ?? true;
    const eps = opts.layerNormEps ?? 1e-5;
    this.normFirst = opts.normFirst ?? false;
    this.activation = opts.activation ?? 'relu';
    if (this.activation !== 'relu' && this.activation !== 'gelu') {
      throw new Error(
        `TransformerEncoderLayer: activation must be "relu" or "gelu", got ${JSON.stringify(this.activation)}`,
      );
    }
    // Declaration order is PyTorch's registration order, so state dicts list alike.
    this.self_attn = new MultiheadAttention(dModel, nhead, { dropout: p, bias, causal: opts.causal });
    this.linear1 = new Linear(dModel, ff, { bias, std: Math.sqrt(1 / (3 * dModel)) });
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, { bias, std: Math.sqrt(1 / (3 * ff)) });
    this.norm1 = new LayerNorm(dModel, eps);
    this.norm2 = new LayerNorm(dModel, eps);
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
  }

  /** x [B, T, dModel] -> [B, T, dModel]; opts.keyMask f32 [B, T] (1 keep, 0 pad), opts.causal. */
  forward(x: Tensor, opts: AttentionCallOptions = {}): Tensor {
    const sa = (h: Tensor) => this.dropout1.forward(this.self_attn.forward(h, h, h, opts));
    const act = this.activation === 'gelu' ? gelu : relu;
    const ff = (h: Tensor) =>
      this.dropout2.forward(this.linear2.forward(this.dropout.forward(act(this.linear1.forward(h)))));
    if (this.normFirst) {
      const h = x.add(sa(this.norm1.forward(x)));
      return h.add(ff(this.norm2.forward(h)));
    }
    const h = this.norm1.forward(x.add(sa(x)));
    return this.norm2.forward(h.add(ff(h)));
  }
}
