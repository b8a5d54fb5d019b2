// Mean cross-entropy of logits [N, C] against i32 class ids [N]: fused log-softmax + NLL forward and
// a fused (softmax - onehot) / count backward; rows whose target is ignoreIndex count for nothing.
import { crossEntropyBackward, crossEntropyForward } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { fmt } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { contiguous } from './view.ts';

export function crossEntropy(logits: Tensor, targets: Tensor, opts: { ignoreIndex?: number } = {}): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  logits.assertAlive('crossEntropy');
  targets.assertAlive('crossEntropy');
  if (logits.rank !== 2 || logits.dtype !== 'f32') {
    throw new Error(`crossEntropy: logits must be f32 [N, C], got ${logits.dtype}${fmt(logits.shape)}`);
  }
  const [N, C] = logits.shape;
  if (targets.dtype !== 'i32' || targets.rank !== 1 || targets.shape[0] !== N) {
    throw new Error(
      `crossEntropy: targets must be i32 [${N}] for logits ${fmt(logits.shape)}, got ${targets.dtype}${fmt(targets.shape)}`,
    );
  }
  // Kept for the backward: the contiguous inputs, the per-row log-sum-exp and the counted rows.
  const x = logits.isContiguous() ? logits : contiguous(logits);
  const t = targets.isContiguous() ? targets : contiguous(targets);
  const lse = Tensor.empty([N], 'f32', 'cross-entropy lse');
  const count = Tensor.empty([1], 'f32', 'cross-entropy count');
  const out = Tensor.empty([], 'f32', 'cross-entropy loss');
  crossEntropyForward({
    logits: x.buffer,
    targets: t.buffer,
    N,
    C,
    ignoreIndex,
    lse: lse.buffer,
    out: out.buffer,
    count: count.buffer,
  });
  return record(
    out,
    'cross-entropy',
    [logits],
    (g) => {
      const gc = g.isContiguous() ? g : contiguous(g);
      const dx = Tensor.empty([N, C], 'f32', 'cross-entropy grad');
      crossEntropyBackward({
        logits: x.buffer,
        targets: t.buffer,
        lse: lse.buffer,
        count: count.buffer,
        g: gc.buffer,
        out: dx.buffer,
        N,
        C,
        ignoreIndex,
      });
      if (gc !== g) gc.dispose();
      return [dx];
    },
    { saved: [x !== logits ? x : null, t !== targets ? t : null, lse, count] },
  );
}
