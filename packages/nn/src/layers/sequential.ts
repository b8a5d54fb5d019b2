// Children named "0", "1", ... as torch.nn.Sequential, so state-dict names match PyTorch.
// (ModuleList lives in module.ts: an array field of modules is registered as one.)
import type { Tensor } from '@jepa/tensor';
import { Module, ModuleList, type Layer } from '../module.ts';

export { ModuleList };

export class Sequential extends Module {
  readonly layers: readonly Layer[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((l, i) => this.registerModule(String(i), l));
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(h);
    return h;
  }
}
