// The VICReg expander (projector): (Linear -> BatchNorm1d -> ReLU) x (n-2), then a final Linear.
// A Sequential, so parameter names ("0.weight", "1.running_mean", ...) match the official
// PyTorch implementation's nn.Sequential. Weights over the binding limit (official 8192×8192) are
// held in row blocks ("3.weight_shard0", ...; see Linear).
import type { Layer } from './module.ts';
import { BatchNorm1d } from './layers/batchnorm.ts';
import { Linear } from './layers/linear.ts';
import { ReLU } from './layers/activation.ts';
import { Sequential } from './layers/sequential.ts';

export interface ExpanderOptions {
  /** Bias on the last Linear (official VICReg: false). */
  finalBias?: boolean;
  /** Largest weight block in bytes (see LinearOptions; default: the device's binding limit). */
  maxShardBytes?: number;
}

export class Expander extends Sequential {
  readonly dims: readonly number[];

  /** dims = [input, hidden..., output], e.g. [768, 8192, 8192, 8192]. */
  constructor(dims: readonly number[], opts: ExpanderOptions = {}) {
    if (dims.length < 2) throw new Error(`Expander: dims needs at least [in, out], got [${dims.join(', ')}]`);
    const layers: Layer[] = [];
    for (let i = 0; i < dims.length - 2; i++) {
      layers.push(
        new Linear(dims[i], dims[i + 1], { maxShardBytes: opts.maxShardBytes }),
        new BatchNorm1d(dims[i + 1]),
        new ReLU(),
      );
    }
    layers.push(
      new Linear(dims[dims.length - 2], dims[dims.length - 1], {
        bias: opts.finalBias ?? true,
        maxShardBytes: opts.maxShardBytes,
      }),
    );
    super(...layers);
    this.dims = [...dims];
  }
}
