// A learnt scale on SIF's counted word weights (`--sif-lr-scale`): token t pools with weight
// sif(t)·exp(s_t), s starting at 0, so an untrained scale is plain SIF. The encoder's per-token
// LayerNorm takes every word vector to the same norm, which leaves the pooling weights as the one
// place the model can learn which words matter for a sentence's meaning; a bag of PPMI word
// vectors trained on the labelled pairs gets about 2.2 dev MAP from exactly that
// (lab/experiments/bare-pairs.py, --unit-rows with and without --learn-weights). A trained scale is
// exported folded into token_weights.safetensors, so the model dir loads as any SIF model.
import { Module } from '@jepa/nn';
import { embedding, exp, reshape, tensor, type Tensor } from '@jepa/tensor';

export class WordScale extends Module {
  constructor(readonly vocabSize: number) {
    super();
    if (!Number.isInteger(vocabSize) || vocabSize < 1)
      throw new Error(`WordScale: vocabSize must be a positive integer, got ${vocabSize}`);
    // Rank 1, so the optimizer's default split leaves it out of weight decay.
    this.registerParameter('log_scale', tensor(new Float32Array(vocabSize), [vocabSize]));
  }

  /** The log-scale s, one entry a token id. */
  get logScale(): Tensor {
    return this.param('log_scale');
  }

  /** [B, T] pooling weights: `counted` (the masked SIF weights of `ids`) times exp(s) of each token. */
  weigh(ids: Tensor, counted: Tensor): Tensor {
    return scaledWeights(ids, counted, this.logScale);
  }

  /** `counted` (one weight a token id) times exp(s): the weights the trained pooling uses. */
  async fold(counted: Float32Array): Promise<Float32Array> {
    if (counted.length !== this.vocabSize)
      throw new Error(`WordScale.fold: ${counted.length} weights for a vocabulary of ${this.vocabSize}`);
    const s = await this.logScale.toArray();
    return Float32Array.from(counted, (w, i) => w * Math.exp(s[i]));
  }
}

/** `counted` [B, T] times exp(logScale[ids]): the pooling weights of a learnt scale (differentiable in logScale). */
export function scaledWeights(ids: Tensor, counted: Tensor, logScale: Tensor): Tensor {
  if (ids.rank !== 2 || counted.shape.join() !== ids.shape.join())
    throw new Error(
      `WordScale.weigh: ids and counted weights must both be [B, T], got [${ids.shape}] and [${counted.shape}]`,
    );
  if (logScale.rank !== 1) throw new Error(`WordScale.weigh: the log-scale must be [V], got [${logScale.shape}]`);
  const s = embedding(ids, reshape(logScale, [logScale.shape[0], 1]));
  return counted.mul(reshape(exp(s), [...ids.shape]));
}
