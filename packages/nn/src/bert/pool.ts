// Sentence embeddings from token states: [CLS], or mean / max over real (mask 1) tokens only.
import { add, cast, div, max, maximum, mul, reshape, slice, squeeze, sub, sum, type Tensor } from '@jepa/tensor';

export type PoolingMode = 'cls' | 'mean' | 'max';

/** lastHidden [B, T, H], mask [B, T] (f32 or i32 0/1) -> [B, H]. */
export function pool(lastHidden: Tensor, mask: Tensor, mode: PoolingMode): Tensor {
  if (lastHidden.rank !== 3)
    throw new Error(`pool: lastHidden must be [B, T, H], got [${lastHidden.shape.join(', ')}]`);
  const [B, T] = lastHidden.shape;
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
    throw new Error(`pool: mask must be [${B}, ${T}], got [${mask.shape.join(', ')}]`);
  }
  if (mode === 'cls') return squeeze(slice(lastHidden, 1, 0, 1), 1);
  const m = reshape(mask.dtype === 'f32' ? mask : cast(mask, 'f32'), [B, T, 1]);
  if (mode === 'mean') {
    // A row with no real tokens gives 0 rather than NaN.
    const count = maximum(sum(m, 1), 1e-9);
    return div(sum(mul(lastHidden, m), 1), count);
  }
  if (mode === 'max') {
    // Padding gets -1e9, so it never wins while the row has a real token.
    return max(add(lastHidden, mul(sub(m, 1), 1e9)), 1);
  }
  throw new Error(`pool: unknown mode "${mode as string}" (cls, mean, max)`);
}
