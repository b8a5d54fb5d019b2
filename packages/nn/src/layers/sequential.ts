// Children named "0", "1", ... as torch.nn.Sequential, so state-dict names match PyTorch.
import type { Tensor } from '@jepa/tensor';
import { Module, type Layer } from '../module.ts';

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

/** Children named "0", "1", ... with no forward of their own (torch.nn.ModuleList). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    items.forEach((m, i) => this.registerModule(String(i), m));
    this.items = items;
  }

  get length(): number {
    return this.items.length;
  }
}
