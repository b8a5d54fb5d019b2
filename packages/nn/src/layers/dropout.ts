// Dropout that is active only in training mode; p = 0 is a no-op (no kernel, no tape entry).
import { dropout, type Tensor } from '@jepa/tensor';
import { Module } from '../module.ts';

export class Dropout extends Module {
  constructor(readonly p = 0.1) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    return dropout(x, this.p, true);
  }
}
