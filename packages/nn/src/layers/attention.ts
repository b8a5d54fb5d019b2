// Multi-head attention as torch.nn.MultiheadAttention (batch_first): the same parameter names
// (in_proj_weight [3E, E], in_proj_bias [3E], out_proj.weight, out_proj.bias), so PyTorch weights
// load as they are, on the fused attention op (no [B, H, T, S] score tensor is built). Self-attention
// projects q, k and v in one matmul and splits heads with views; cross-attention projects the
// query and the key/value inputs with row blocks of the same weight, as PyTorch does.
import { attention, linear, permute, reshape, slice, squeeze, type Tensor } from '@jepa/tensor';
import { normalInit, zerosInit } from '../init.ts';
import { Module } from '../module.ts';
import { checkDim, Linear } from './linear.ts';

export interface MultiheadAttentionOptions {
  /** Dropout on the attention probabilities in training mode (default 0). */
  dropout?: number;
  /** Biases on the projections (default true). */
  bias?: boolean;
  /** Default for forward's `causal` (so a causal layer can sit in a Sequential). */
  causal?: boolean;
}

export interface AttentionCallOptions {
  /**
   * f32 [B, S]: 1 keeps a key, 0 pads it (Hugging Face's attention_mask). PyTorch's
   * key_padding_mask is the opposite (true = pad): pass 1 - it. A query whose keys are all padded
   * gets 0 (PyTorch gives NaN).
   */
  keyMask?: Tensor;
  /** Query i sees keys j <= i + (S - T) only (bottom-right aligned; PyTorch's is_causal when T == S). */
  causal?: boolean;
}

export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly dropout: number;
  readonly causal: boolean;
  // Field names are PyTorch's state-dict names (fields are registered under their names).
  readonly in_proj_weight: Tensor;
  readonly in_proj_bias: Tensor | undefined;
  readonly out_proj: Linear;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    opts: MultiheadAttentionOptions = {},
  ) {
    super();
    checkDim('MultiheadAttention', 'embedDim', embedDim);
    checkDim('MultiheadAttention', 'numHeads', numHeads);
    if (embedDim % numHeads !== 0)
      throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new Error(`MultiheadAttention: dropout must be in [0, 1), got ${this.dropout}`);
    this.causal = opts.causal ?? false;
    const E = embedDim;
    const bias = opts.bias ?? true;
    // PyTorch's init scales: xavier on in_proj_weight, kaiming-uniform(√5)'s std on out_proj.
    this.in_proj_weight = normalInit([3 * E, E], Math.sqrt(2 / (4 * E))).requireGrad();
    this.in_proj_bias = bias ? zerosInit([3 * E]).requireGrad() : undefined;
    this.out_proj = new Linear(E, E, { bias, std: Math.sqrt(1 / (3 * E)) });
  }

  /**
   * query [B, T, E] -> [B, T, E]. Keys and values come from `key` and `value` [B, S, E] (default:
   * the query, self-attention; `value` defaults to `key`).
   */
  forward(query: Tensor, key: Tensor = query, value: Tensor = key, opts: AttentionCallOptions = {}): Tensor {
    const E = this.embedDim;
    const name = `MultiheadAttention(${E}, ${this.numHeads})`;
    if (query.rank !== 3 || query.shape[2] !== E)
      throw new Error(`${name}: query must be [B, T, ${E}], got [${query.shape.join(', ')}]`);
    const [B, T] = query.shape;
    for (const [what, t] of [
      ['key', key],
      ['value', value],
    ] as const) {
      if (t.rank !== 3 || t.shape[0] !== B || t.shape[2] !== E)
        throw new Error(`${name}: ${what} must be [${B}, S, ${E}], got [${t.shape.join(', ')}]`);
    }
    const S = key.shape[1];
    if (value.shape[1] !== S)
      throw new Error(`${name}: value must be [${B}, ${S}, ${E}] like key, got [${value.shape.join(', ')}]`);
    const W = this.in_proj_weight,
      b = this.in_proj_bias;
    const rows = (i: number, n: number) =>
      [slice(W, 0, i * E, (i + n) * E), b && slice(b, 0, i * E, (i + n) * E)] as const;
    let q: Tensor, k: Tensor, v: Tensor;
    if (key === query && value === query) {
      [q, k, v] = this.heads(linear(query, W, b), T, 3);
    } else {
      [q] = this.heads(linear(query, ...rows(0, 1)), T, 1);
      if (value === key) [k, v] = this.heads(linear(key, ...rows(1, 2)), S, 2);
      else {
        [k] = this.heads(linear(key, ...rows(1, 1)), S, 1);
        [v] = this.heads(linear(value, ...rows(2, 1)), S, 1);
      }
    }
    const ctx = attention(q, k, v, {
      keyMask: opts.keyMask,
      causal: opts.causal ?? this.causal,
      dropout: this.training ? this.dropout : 0,
    });
    // ctx is laid out as q, [B, T, (n,) H, d] in memory, so merging heads back is a view.
    return this.out_proj.forward(reshape(permute(ctx, [0, 2, 1, 3]), [B, T, E]));
  }

  /** [B, L, n·E] projections -> n head-split views [B, H, L, d] (no copies). */
  private heads(p: Tensor, L: number, n: number): Tensor[] {
    const B = p.shape[0];
    const split = permute(reshape(p, [B, L, n, this.numHeads, this.headDim]), [2, 0, 3, 1, 4]);
    return Array.from({ length: n }, (_, i) => squeeze(slice(split, 0, i, i + 1), 0));
  }
}
