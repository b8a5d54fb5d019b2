// LayerNorm over the last dim (fused op). BERT uses eps 1e-12; PyTorch's default is 1e-5.
import { layerNorm, type Tensor } from '@jepa/tensor';
import { onesInit, zerosInit } from '../init.ts';
import { Module } from '../module.ts';
import { checkDim } from './linear.ts';

export class LayerNorm extends Module {
  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    checkDim('LayerNorm', 'dim', dim);
    this.registerParameter('weight', onesInit([dim]));
    this.registerParameter('bias', zerosInit([dim]));
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor {
    return this.param('bias');
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
