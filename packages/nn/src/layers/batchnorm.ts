// BatchNorm1d as torch.nn.BatchNorm1d: input [N, C] or [N, C, L]. Training normalises with the
// batch's biased variance and folds the UNBIASED variance into running_var (as PyTorch does);
// eval uses the running statistics. Composed from mean/var, so its gradient is automatic.
import { add, cast, full, mean, mul, noGrad, reshape, rsqrt, sub, tidy, variance, type Tensor } from '@jepa/tensor';
import { onesInit, zerosInit } from '../init.ts';
import { Module } from '../module.ts';
import { copyInto } from '../state.ts';
import { checkDim } from './linear.ts';

export interface BatchNormOptions {
  eps?: number;
  /** Running-stat update rate: running = (1 - momentum) * running + momentum * batch. */
  momentum?: number;
}

export class BatchNorm1d extends Module {
  readonly eps: number;
  readonly momentum: number;

  constructor(
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    checkDim('BatchNorm1d', 'numFeatures', numFeatures);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.registerParameter('weight', onesInit([numFeatures]));
    this.registerParameter('bias', zerosInit([numFeatures]));
    this.registerBuffer('running_mean', zerosInit([numFeatures]));
    this.registerBuffer('running_var', onesInit([numFeatures]));
    this.registerBuffer('num_batches_tracked', full([], 0, 'i32'));
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor {
    return this.param('bias');
  }
  get runningMean(): Tensor {
    return this.buffer('running_mean');
  }
  get runningVar(): Tensor {
    return this.buffer('running_var');
  }

  forward(x: Tensor): Tensor {
    const C = this.numFeatures;
    if ((x.rank !== 2 && x.rank !== 3) || x.shape[1] !== C) {
      throw new Error(`BatchNorm1d(${C}): expected input [N, ${C}] or [N, ${C}, L], got [${x.shape.join(', ')}]`);
    }
    // Per-channel tensors broadcast as [C] against [N, C] and as [C, 1] against [N, C, L].
    const chan = x.rank === 2 ? [C] : [C, 1];
    const axes = x.rank === 2 ? [0] : [0, 2];
    const w = reshape(this.weight, chan);
    const b = reshape(this.bias, chan);
    if (!this.training) {
      const scale = rsqrt(add(reshape(this.runningVar, chan), this.eps));
      return add(mul(mul(sub(x, reshape(this.runningMean, chan)), scale), w), b);
    }
    const n = x.size / C;
    if (n < 2)
      throw new Error(`BatchNorm1d: training needs more than 1 value per channel, got input [${x.shape.join(', ')}]`);
    const mu = mean(x, axes, true);
    const v = variance(x, axes, { unbiased: false, keepdim: true });
    const y = add(mul(mul(sub(x, mu), rsqrt(add(v, this.eps))), w), b);
    this.updateRunningStats(mu, v, n);
    return y;
  }

  private updateRunningStats(mu: Tensor, biasedVar: Tensor, n: number): void {
    const m = this.momentum;
    const C = this.numFeatures;
    // tidy: the temporaries die here; the copies are queued before any later reuse of their buffers.
    tidy(() =>
      noGrad(() => {
        const rm = add(mul(this.runningMean, 1 - m), mul(reshape(mu, [C]), m));
        const rv = add(mul(this.runningVar, 1 - m), mul(reshape(biasedVar, [C]), (m * n) / (n - 1)));
        const nb = cast(add(cast(this.buffer('num_batches_tracked'), 'f32'), 1), 'i32');
        copyInto(this.runningMean, rm, 'running_mean');
        copyInto(this.runningVar, rv, 'running_var');
        copyInto(this.buffer('num_batches_tracked'), nb, 'num_batches_tracked');
      }),
    );
  }
}
