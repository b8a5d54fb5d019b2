// An objective turns a batch of sentences into a scalar loss (and named terms to log).
import type { Module } from '@jepa/nn';
import type { Tensor } from '@jepa/tensor';
import type { Rng } from '../util/rng.ts';

export interface StepOutput {
  loss: Tensor;
  terms: Record<string, Tensor>;
  tokens: number;
}

export interface ObjectiveImpl {
  name: string;
  /** Extra trainable modules besides the encoder (expander, MLM head), saved with the trainer state. */
  heads: Record<string, Module>;
  step(sentences: readonly string[], rng: Rng): StepOutput;
}
