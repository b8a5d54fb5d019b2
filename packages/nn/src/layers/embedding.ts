// A lookup table [num, dim]; rows are gathered by the fused embedding op (scatter-add backward).
import { embedding, type Tensor } from '@jepa/tensor';
import { normalInit } from '../init.ts';
import { Module } from '../module.ts';
import { checkDim } from './linear.ts';

export class Embedding extends Module {
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: { std?: number } = {},
  ) {
    super();
    checkDim('Embedding', 'numEmbeddings', numEmbeddings);
    checkDim('Embedding', 'embeddingDim', embeddingDim);
    this.registerParameter('weight', normalInit([numEmbeddings, embeddingDim], opts.std));
  }

  get weight(): Tensor {
    return this.param('weight');
  }

  /** ids (i32, any shape) -> [...ids.shape, embeddingDim]. */
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'i32') throw new Error(`Embedding: ids must be i32, got ${ids.dtype}`);
    return embedding(ids, this.weight);
  }
}
