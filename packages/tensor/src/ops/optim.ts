// Optimizer arithmetic on the GPU, outside autograd: the fused AdamW update (in place) and the
// global L2 norm of many tensors, so clipping by it needs no readback.
import { adamw, gradNormInto, type AdamWArgs } from '@jepa/kernels';
import { fmt } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { contiguous } from './view.ts';

/** Hyperparameters as the kernel takes them (`step`: this parameter's 1-based update count), plus
 *  an optional clip by a global gradient norm ([1] tensor, e.g. from globalNorm) to maxNorm. */
export type AdamWStepOptions = Pick<
  AdamWArgs,
  'lr' | 'beta1' | 'beta2' | 'eps' | 'weightDecay' | 'step' | 'gradScale'
> & {
  clip?: { norm: Tensor; maxNorm: number };
};

/**
 * One torch.optim.AdamW step in one dispatch: param, m and v (dense f32 tensors of grad's size, at
 * any offset) are updated in place from grad (dense f32); decoupled weight decay, bias-corrected
 * moments, clip = min(1, maxNorm / (gradScale·norm + 1e-6)) applied to gradScale·grad.
 */
export function adamwStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, o: AdamWStepOptions): void {
  const n = grad.size;
  const named = { param, grad, m, v };
  for (const [what, t] of Object.entries(named)) {
    t.assertAlive(`adamwStep ${what}`);
    if (t.dtype !== 'f32' || !t.isDense() || t.size !== n) {
      throw new Error(
        `adamwStep: ${what} must be a dense f32 tensor of ${n} elements (grad ${fmt(grad.shape)}), got ${t.dtype}${fmt(t.shape)} with strides [${t.strides.join(', ')}]`,
      );
    }
  }
  if (o.clip) {
    o.clip.norm.assertAlive('adamwStep clip norm');
    if (o.clip.norm.dtype !== 'f32' || !o.clip.norm.isContiguous() || o.clip.norm.size < 1) {
      throw new Error(
        `adamwStep: clip norm must be a contiguous f32 tensor, got ${o.clip.norm.dtype}${fmt(o.clip.norm.shape)}`,
      );
    }
  }
  adamw({
    param: param.buffer,
    grad: grad.buffer,
    m: m.buffer,
    v: v.buffer,
    n,
    offsets: [param.offset, grad.offset, m.offset, v.offset],
    lr: o.lr,
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    weightDecay: o.weightDecay,
    step: o.step,
    gradScale: o.gradScale,
    normBuf: o.clip?.norm.buffer,
    maxNorm: o.clip?.maxNorm,
  });
}

/** sqrt(Σ x²) over every element of every tensor (f32), as a [1] tensor: `out` when given, else a new one. */
export function globalNorm(tensors: readonly Tensor[], out?: Tensor): Tensor {
  for (const t of tensors) {
    t.assertAlive('globalNorm');
    if (t.dtype !== 'f32') throw new Error(`globalNorm: expects f32 tensors, got ${t.dtype}${fmt(t.shape)}`);
  }
  if (out) {
    out.assertAlive('globalNorm out');
    if (out.dtype !== 'f32' || !out.isContiguous() || out.size !== 1)
      throw new Error(`globalNorm: out must be a contiguous f32 [1], got ${out.dtype}${fmt(out.shape)}`);
  }
  const res = out ?? Tensor.empty([1], 'f32', 'global norm');
  // The norm kernel reads each buffer from element 0.
  const flat = tensors.map((t) => (t.isContiguous() ? t : contiguous(t)));
  gradNormInto(
    flat.map((t) => ({ buffer: t.buffer, n: t.size })),
    res.buffer,
  );
  flat.forEach((t, i) => t !== tensors[i] && t.dispose());
  return res;
}
