// softmax / logSoftmax over any axis, one fused kernel each way. Inputs, masks and upstream
// gradients are read through their strides (views and broadcast masks need no copy).
import { softmaxBackward, softmaxForward, type SoftmaxMode } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { broadcastShapes, broadcastStrides, fmt, normAxis, sameShape } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { sumToShape } from './reduce.ts';

const operand = (t: Tensor, shape: readonly number[]) => ({
  buffer: t.buffer,
  strides: broadcastStrides(t.shape, t.strides, shape),
  offset: t.offset,
});

function run(op: string, mode: SoftmaxMode, x: Tensor, axis: number, mask?: Tensor): Tensor {
  x.assertAlive(op);
  if (x.dtype !== 'f32') throw new Error(`${op}: expects an f32 tensor, got ${x.dtype}${fmt(x.shape)}`);
  if (x.rank === 0) throw new Error(`${op}: needs at least one dimension, got a scalar`);
  const ax = normAxis(op, axis, x.rank);
  if (mask) {
    mask.assertAlive(op);
    if (mask.dtype !== 'f32')
      throw new Error(`${op}: mask must be f32 (additive), got ${mask.dtype}${fmt(mask.shape)}`);
    let ok = mask.rank <= x.rank;
    try {
      ok &&= sameShape(broadcastShapes(op, x.shape, mask.shape), x.shape);
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`${op}: mask ${fmt(mask.shape)} does not broadcast to input ${fmt(x.shape)}`);
  }
  const y = Tensor.empty(x.shape, 'f32', `${op} output`);
  softmaxForward({
    mode,
    x: operand(x, x.shape),
    mask: mask && operand(mask, x.shape),
    out: y.buffer,
    shape: x.shape,
    axis: ax,
  });
  const inputs = mask ? [x, mask] : [x];
  return record(y, op, inputs, (g) => {
    const dx = Tensor.empty(x.shape, 'f32', `${op} gradient`);
    softmaxBackward({ mode, y: y.buffer, g: operand(g, x.shape), dx: dx.buffer, shape: x.shape, axis: ax });
    // The mask is additive: its gradient is dx summed over the broadcast dims.
    return [dx, mask?.requiresGrad ? sumToShape(dx, mask.shape) : null];
  });
}

/**
 * Softmax along `axis`, with an optional additive `mask` broadcastable to x (e.g. [B,1,1,T] for
 * scores [B,H,T,T]). Entries masked with -inf or a large negative value (-1e9) get exactly 0.
 * A row that is -inf everywhere gives all zeros (and zero gradient), not NaN; a row masked
 * everywhere with a finite value (-1e9) is the plain softmax of its shifted values (~uniform).
 */
export function softmax(x: Tensor, axis = -1, mask?: Tensor): Tensor {
  return run('softmax', 'softmax', x, axis, mask);
}

/** log(softmax(x)) along `axis`, computed stably; a row that is -inf everywhere gives -inf. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return run('logSoftmax', 'log', x, axis);
}
