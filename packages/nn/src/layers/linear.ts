// y = x Wᵀ + b with W stored [out, in], the PyTorch / Hugging Face layout, so weights load as-is.
// A weight larger than the device's per-binding limit (an 8192×8192 f32 weight is 256 MiB, llvmpipe
// binds at most 128 MiB) is held as row blocks "weight_shard0", "weight_shard1", ...: each block
// is its own parameter (and optimizer slot), and the output is the concatenation of the blocks'.
import { add, concat, linear, rowsPerBinding, type Tensor } from '@jepa/tensor';
import { normalInit, zerosInit } from '../init.ts';
import { Module } from '../module.ts';

export interface LinearOptions {
  bias?: boolean;
  /** Weight init std (BERT: 0.02). */
  std?: number;
  /**
   * Largest weight block in bytes (default: the device's maxStorageBufferBindingSize). A weight
   * above it is split into row blocks of at most this size.
   */
  maxShardBytes?: number;
}

export class Linear extends Module {
  /** Number of row blocks the weight is held in (1 = a single "weight" parameter). */
  readonly shards: number;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    checkDim('Linear', 'inFeatures', inFeatures);
    checkDim('Linear', 'outFeatures', outFeatures);
    const fit = rowsPerBinding(inFeatures, `Linear(${inFeatures}→${outFeatures}): one weight row`, opts.maxShardBytes);
    const rowsPerShard = Math.min(outFeatures, fit);
    this.shards = Math.ceil(outFeatures / rowsPerShard);
    if (this.shards === 1) {
      this.registerParameter('weight', normalInit([outFeatures, inFeatures], opts.std));
    } else {
      // Equal blocks (the last may be shorter), each within the limit.
      const rows = Math.ceil(outFeatures / this.shards);
      for (let j = 0; j < this.shards; j++) {
        const n = Math.min(rows, outFeatures - j * rows);
        this.registerParameter(`weight_shard${j}`, normalInit([n, inFeatures], opts.std));
      }
    }
    if (opts.bias ?? true) this.registerParameter('bias', zerosInit([outFeatures]));
  }

  /** The [out, in] weight; a sharded layer has none (see `weightShards`). */
  get weight(): Tensor {
    if (this.shards > 1) {
      throw new Error(
        `Linear(${this.inFeatures}→${this.outFeatures}): the weight is held in ${this.shards} row blocks (weight_shard0..${this.shards - 1}) because it exceeds the binding limit; use weightShards`,
      );
    }
    return this.param('weight');
  }

  /** The weight's row blocks in order ([weight] when unsharded). */
  get weightShards(): Tensor[] {
    if (this.shards === 1) return [this.param('weight')];
    return Array.from({ length: this.shards }, (_, j) => this.param(`weight_shard${j}`));
  }

  get bias(): Tensor | undefined {
    return this.optionalParam('bias');
  }

  forward(x: Tensor): Tensor {
    if (this.shards === 1) return linear(x, this.weight, this.bias);
    const y = concat(
      this.weightShards.map((w) => linear(x, w)),
      -1,
    );
    return this.bias ? add(y, this.bias) : y;
  }
}

export function checkDim(layer: string, what: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${layer}: ${what} must be a positive integer, got ${v}`);
}
