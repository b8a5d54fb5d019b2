// Writing into an existing tensor's memory, outside autograd: parameters, optimizer state and
// buffers are updated in place, so every view of their storage sees the new values.
import { runtime } from '@jepa/kernels';
import { fmt } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { add } from './binary.ts';
import { cast, contiguous } from './view.ts';
import { noGrad } from '../autograd.ts';

function checkDense(op: string, dst: Tensor, what: string): void {
  dst.assertAlive(`${op} ${what}`);
  if (!dst.isDense())
    throw new Error(
      `${op} ${what}: destination ${dst.dtype}${fmt(dst.shape)} is not dense, got strides [${dst.strides.join(', ')}]`,
    );
}

/**
 * Overwrite `dst`'s elements with `src`'s (same element count, any shape, layout and dtype; host
 * data is converted to dst's dtype). `dst` must be dense (contiguous strides, any offset); `what`
 * names it in errors.
 */
export function assign(dst: Tensor, src: Tensor | Float32Array | Int32Array, what = 'tensor'): Tensor {
  checkDense('assign', dst, what);
  const n = dst.size;
  const srcSize = ArrayBuffer.isView(src) ? src.length : src.size;
  if (srcSize !== n) throw new Error(`assign ${what}: ${srcSize} values for a tensor of ${n}`);
  if (n === 0) return dst;
  if (ArrayBuffer.isView(src)) {
    const data =
      dst.dtype === 'i32'
        ? src instanceof Int32Array
          ? src
          : Int32Array.from(src, Math.round)
        : src instanceof Float32Array
          ? src
          : Float32Array.from(src);
    runtime().write(dst.buffer, dst.offset * 4, data);
    return dst;
  }
  src.assertAlive(`assign ${what}`);
  if (src.storage === dst.storage && src.offset === dst.offset && src.dtype === dst.dtype && src.isDense()) return dst; // itself
  let s = src.dtype === dst.dtype ? src : cast(src, dst.dtype);
  // A buffer cannot be copied onto itself: go through a temporary.
  if (!s.isDense() || s.buffer === dst.buffer) {
    const c = s.buffer === dst.buffer ? noGrad(() => add(s, 0)) : contiguous(s);
    if (s !== src) s.dispose();
    s = c;
  }
  runtime().copy(s.buffer, s.offset * 4, dst.buffer, dst.offset * 4, n * 4);
  if (s !== src) s.dispose();
  return dst;
}

/** Set every element of a dense tensor to zero in place. */
export function zeroInPlace(dst: Tensor, what = 'tensor'): Tensor {
  checkDense('zeroInPlace', dst, what);
  if (dst.size > 0) runtime().clear(dst.buffer, dst.offset * 4, dst.size * 4);
  return dst;
}
