// SGD with momentum and (coupled, L2) weight decay, as torch.optim.SGD without dampening:
// buf = momentum * buf + (g + wd * p); p -= lr * buf. Composed from tensor ops, updated in place.
import { add, keep, mul, noGrad, sub, tidy, zeros, type Tensor } from '@jepa/tensor';
import { copyInto } from '../state.ts';
import { Optimizer, type OptimizerOptions, type OptimizerState, type OptimizerStateInput } from './optimizer.ts';
import type { ParamsInput } from './params.ts';

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
}

export class SGD extends Optimizer {
  readonly kind = 'SGD';
  readonly momentum: number;
  private readonly bufs: Tensor[];

  constructor(params: ParamsInput, opts: SGDOptions) {
    super(params, opts, 0);
    this.momentum = opts.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1))
      throw new Error(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    this.bufs = this.momentum > 0 ? this.params.map((p) => keep(zeros(p.shape))) : [];
  }

  step(): void {
    const lr = this.currentLr();
    let i = 0;
    tidy(() =>
      noGrad(() => {
        for (const g of this.groups) {
          for (const p of g.params) {
            const k = i++;
            if (!p.grad) continue;
            let d = g.weightDecay ? add(p.grad, mul(p, g.weightDecay)) : p.grad;
            if (this.momentum > 0) {
              d = add(mul(this.bufs[k], this.momentum), d);
              copyInto(this.bufs[k], d, `momentum.${k}`);
            }
            copyInto(p, sub(p, mul(d, lr * g.lrScale)), `param ${k}`);
          }
        }
      }),
    );
    this.stepCount++;
  }

  state(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    this.bufs.forEach((b, i) => tensors.set(`momentum.${i}`, b.alias()));
    return { kind: this.kind, step: this.stepCount, tensors };
  }

  loadState(s: OptimizerStateInput): void {
    this.checkState(s, this.momentum > 0 ? ['momentum'] : []);
    this.bufs.forEach((b, i) => copyInto(b, s.tensors.get(`momentum.${i}`)!, `momentum.${i}`));
    this.stepCount = s.step;
  }

  dispose(): void {
    for (const b of this.bufs) b.dispose();
  }
}
