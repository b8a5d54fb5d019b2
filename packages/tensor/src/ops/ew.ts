// Bridge from tensors to the elementwise kernel: broadcast views in, one contiguous tensor out.
import { elementwise } from '@jepa/kernels';
import { broadcastShapes, broadcastStrides, type Shape } from '../shape.ts';
import { Tensor, type DType } from '../tensor.ts';

export function ew(
  name: string,
  expr: string,
  inputs: readonly Tensor[],
  opts: { outDtype?: DType; scalars?: readonly number[]; shape?: Shape } = {},
): Tensor {
  for (const t of inputs) t.assertAlive(name);
  const shape = opts.shape ?? broadcastShapes(name, ...inputs.map((t) => t.shape));
  const out = Tensor.empty(shape, opts.outDtype ?? inputs[0]?.dtype ?? 'f32', `${name} output`);
  elementwise({
    name,
    expr,
    inputs: inputs.map((t) => ({
      buffer: t.buffer,
      dtype: t.dtype,
      strides: broadcastStrides(t.shape, t.strides, shape),
      offset: t.offset,
    })),
    out: out.buffer,
    outDtype: out.dtype,
    shape,
    scalars: opts.scalars,
  });
  return out;
}

/** Copy `src` (broadcast to dst's shape) into the strided view `dst` in place. */
export function assignInto(dst: Tensor, src: Tensor): void {
  dst.assertAlive('assign');
  src.assertAlive('assign');
  elementwise({
    name: 'assign',
    expr: 'a',
    inputs: [
      {
        buffer: src.buffer,
        dtype: src.dtype,
        strides: broadcastStrides(src.shape, src.strides, dst.shape),
        offset: src.offset,
      },
    ],
    out: dst.buffer,
    outDtype: dst.dtype,
    shape: dst.shape,
    outView: { strides: dst.strides, offset: dst.offset },
  });
}
