// RoBERTa's embeddings: BERT's (same modules and names), with position ids counted over the
// non-pad tokens from padding_idx + 1, padding at padding_idx (HF create_position_ids_from_input_ids).
import { abs, affine, cast, clamp, matmul, mul, type Tensor, tensor } from '@jepa/tensor';
import { BertEmbeddings } from '../bert/embeddings.ts';
import type { RobertaConfig } from './config.ts';

/**
 * position = cumsum(ids != pad) * (ids != pad) + pad, on the GPU: ids i32 [B, T] -> i32 [B, T].
 * The running count is a product with an upper-triangular matrix of ones (exact in f32 for any
 * length an embedding table holds).
 */
export function robertaPositionIds(ids: Tensor, paddingIdx: number): Tensor {
  if (ids.rank !== 2 || ids.dtype !== 'i32') {
    throw new Error(`robertaPositionIds: ids must be i32 [B, T], got ${ids.dtype}[${ids.shape.join(', ')}]`);
  }
  const T = ids.shape[1];
  // Ids are integers: |id - pad| >= 1 unless id is pad, so the clamp is the indicator id != pad.
  const real = clamp(abs(affine(cast(ids, 'f32'), 1, -paddingIdx)), 0, 1);
  const upper = new Float32Array(T * T);
  for (let i = 0; i < T; i++) upper.fill(1, i * T + i, (i + 1) * T);
  const count = matmul(real, tensor(upper, [T, T]));
  return cast(affine(mul(count, real), 1, paddingIdx), 'i32');
}

/** The same on the host (row-major [B, T]), for callers holding the ids. */
export function robertaPositionIdsHost(ids: ArrayLike<number>, seqLen: number, paddingIdx: number): Int32Array {
  const out = new Int32Array(ids.length);
  for (let r = 0; r < ids.length; r += seqLen) {
    let n = 0;
    for (let t = r; t < r + seqLen; t++) out[t] = ids[t] === paddingIdx ? paddingIdx : paddingIdx + ++n;
  }
  return out;
}

export class RobertaEmbeddings extends BertEmbeddings {
  readonly paddingIdx: number;

  constructor(override readonly config: RobertaConfig) {
    super(config);
    this.paddingIdx = config.pad_token_id;
  }

  /**
   * ids i32 [B, T] -> [B, T, H]. Position ids default to RoBERTa's (see robertaPositionIds); token
   * types default to 0.
   */
  override forward(ids: Tensor, tokenTypeIds?: Tensor, positionIds?: Tensor): Tensor {
    const T = ids.shape[1];
    const max = this.config.max_position_embeddings;
    if (!positionIds && T + this.paddingIdx >= max) {
      throw new Error(
        `RobertaEmbeddings: sequence length ${T} needs positions up to ${T + this.paddingIdx} (padding_idx ${this.paddingIdx} + length), beyond max_position_embeddings ${max}: at most ${max - this.paddingIdx - 1} tokens`,
      );
    }
    return super.forward(ids, tokenTypeIds, positionIds ?? robertaPositionIds(ids, this.paddingIdx));
  }
}
