// layerNorm over the last dim: one fused forward kernel (saving per-row mean and rstd) and a fused
// backward (dx per row; dweight/dbias as column sums).
import { layerNormBackward, layerNormForward } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { fmt } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { contiguous } from './view.ts';

const dense = (t: Tensor): Tensor => (t.isContiguous() ? t : contiguous(t));

export function layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-12): Tensor {
  for (const t of [x, weight, bias]) t.assertAlive('layerNorm');
  if (x.dtype !== 'f32' || weight.dtype !== 'f32' || bias.dtype !== 'f32')
    throw new Error('layerNorm: expects f32 tensors');
  if (x.rank === 0) throw new Error('layerNorm: input must have at least one dim');
  const D = x.shape[x.rank - 1];
  if (weight.size !== D || bias.size !== D || weight.rank !== 1 || bias.rank !== 1) {
    throw new Error(
      `layerNorm: weight ${fmt(weight.shape)} and bias ${fmt(bias.shape)} must be [${D}] for input ${fmt(x.shape)}`,
    );
  }
  const N = D === 0 ? 0 : x.size / D;
  const xc = dense(x),
    wc = dense(weight),
    bc = dense(bias);
  const y = Tensor.empty(x.shape, 'f32', 'layerNorm output');
  const mean = Tensor.empty([N], 'f32', 'layerNorm mean');
  const rstd = Tensor.empty([N], 'f32', 'layerNorm rstd');
  layerNormForward({
    x: xc.buffer,
    weight: wc.buffer,
    bias: bc.buffer,
    y: y.buffer,
    mean: mean.buffer,
    rstd: rstd.buffer,
    N,
    D,
    eps,
  });
  if (wc !== weight) wc.dispose();
  if (bc !== bias) bc.dispose();
  return record(
    y,
    'layerNorm',
    [x, weight, bias],
    (g) => {
      const gc = dense(g);
      const w2 = dense(weight);
      const dx = x.requiresGrad ? Tensor.empty(x.shape, 'f32', 'layerNorm dx') : null;
      const dw = weight.requiresGrad ? Tensor.empty([D], 'f32', 'layerNorm dweight') : null;
      const db = bias.requiresGrad ? Tensor.empty([D], 'f32', 'layerNorm dbias') : null;
      layerNormBackward({
        g: gc.buffer,
        x: xc.buffer,
        weight: w2.buffer,
        mean: mean.buffer,
        rstd: rstd.buffer,
        dx: dx?.buffer,
        dweight: dw?.buffer,
        dbias: db?.buffer,
        N,
        D,
      });
      if (gc !== g) gc.dispose();
      if (w2 !== weight) w2.dispose();
      return [dx, dw, db];
    },
    { saved: [xc !== x ? xc : null, mean, rstd] },
  );
}
