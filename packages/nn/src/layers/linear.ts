// y = x Wᵀ + b with W stored [out, in], the PyTorch / Hugging Face layout, so weights load as-is.
import { linear, type Tensor } from '@jepa/tensor';
import { normalInit, zerosInit } from '../init.ts';
import { Module } from '../module.ts';

export interface LinearOptions {
  bias?: boolean;
  /** Weight init std (BERT: 0.02). */
  std?: number;
}

export class Linear extends Module {
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    checkDim('Linear', 'inFeatures', inFeatures);
    checkDim('Linear', 'outFeatures', outFeatures);
    this.registerParameter('weight', normalInit([outFeatures, inFeatures], opts.std));
    if (opts.bias ?? true) this.registerParameter('bias', zerosInit([outFeatures]));
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | undefined {
    return this.optionalParam('bias');
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export function checkDim(layer: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${layer}: ${what} must be a positive integer, got ${v}`);
}
