// Moving tensor values between GPU tensors and host arrays without changing the destination's
// identity: parameters are written in place, so optimizers and views that alias them stay valid.
import { add, cast, contiguous, contiguousStrides, noGrad, runtime, type Tensor } from '@jepa/tensor';

/** Host data in the shape of a tensor (what safetensors reads and writes). */
export interface HostTensor {
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

export type TensorLike = Tensor | HostTensor;

export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && (x as { __isTensor?: boolean }).__isTensor === true;
}

/** Contiguous strides, any offset: the layout a raw buffer copy can address. */
export function isDense(t: Tensor): boolean {
  const want = contiguousStrides(t.shape);
  return t.shape.every((s, d) => s === 1 || t.strides[d] === want[d]);
}

/** Overwrite `dst`'s elements (same element count) with `src`; `name` labels errors. */
export function copyInto(dst: Tensor, src: TensorLike, name = 'tensor'): void {
  dst.assertAlive(`copyInto ${name}`);
  if (!isDense(dst)) throw new Error(`copyInto ${name}: destination is not a dense tensor`);
  const n = dst.size;
  const srcSize = src.shape.reduce((a, b) => a * b, 1);
  if (srcSize !== n) throw new Error(`copyInto ${name}: ${srcSize} values for a tensor of ${n}`);
  if (n === 0) return;
  if (!isTensor(src)) {
    const data = dst.dtype === 'i32'
      ? src.data instanceof Int32Array ? src.data : Int32Array.from(src.data, Math.round)
      : src.data instanceof Float32Array ? src.data : Float32Array.from(src.data);
    runtime().write(dst.buffer, dst.offset * 4, data);
    return;
  }
  if (src.storage === dst.storage && src.offset === dst.offset && src.dtype === dst.dtype && isDense(src)) return; // itself
  let s = src.dtype === dst.dtype ? src : cast(src, dst.dtype);
  // A buffer cannot be copied onto itself: go through a temporary.
  if (!isDense(s) || s.buffer === dst.buffer) {
    const c = s.buffer === dst.buffer ? noGrad(() => add(s, 0)) : contiguous(s);
    if (s !== src) s.dispose();
    s = c;
  }
  runtime().copy(s.buffer, s.offset * 4, dst.buffer, dst.offset * 4, n * 4);
  if (s !== src) s.dispose();
}

/** Read a tensor back as host data. */
export async function toHost(t: Tensor): Promise<{ shape: number[]; data: Float32Array | Int32Array }> {
  const data = t.dtype === 'i32' ? await t.toInt32Array() : await t.toArray();
  return { shape: [...t.shape], data };
}
