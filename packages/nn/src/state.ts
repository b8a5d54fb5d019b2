// Moving tensor values between GPU tensors and host arrays without changing the destination's
// identity: parameters are written in place, so optimizers and views that alias them stay valid.
import type { Tensor } from '@jepa/tensor';

/** Host data in the shape of a tensor (what safetensors reads and writes). */
export interface HostTensor {
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

export type TensorLike = Tensor | HostTensor;

export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { __isTensor?: boolean }).__isTensor === true;
}

/** Overwrite `dst`'s elements (same element count) with `src`'s, in place; `name` labels errors. */
export function copyInto(dst: Tensor, src: TensorLike, name = 'tensor'): void {
  const n = src.shape.reduce((a, b) => a * b, 1);
  if (n !== dst.size) throw new Error(`copyInto ${name}: ${n} values for a tensor of ${dst.size}`);
  dst.assign(isTensor(src) ? src : src.data, name);
}

/** Read a tensor back as host data. */
export async function toHost(t: Tensor): Promise<{ shape: number[]; data: Float32Array | Int32Array }> {
  const data = t.dtype === 'i32' ? await t.toInt32Array() : await t.toArray();
  return { shape: [...t.shape], data };
}
