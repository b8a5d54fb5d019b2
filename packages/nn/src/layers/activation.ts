// Parameter-free activations as modules, so they can sit in a Sequential.
import { gelu, relu, type Tensor } from '@jepa/tensor';
import { Module } from '../module.ts';

/** Exact (erf) GELU, as BERT's hidden_act "gelu". */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return gelu(x);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
