// An objective turns a batch of sentences into a scalar loss (and named terms to log).
import type { Module } from '@jepa/nn';
import type { Tensor } from '@jepa/tensor';
import type { Pair } from '../data/pairs.ts';
import type { Rng } from '../util/rng.ts';
import type { Relations } from '../views/wordnet.ts';

export interface StepOutput {
  loss: Tensor;
  terms: Record<string, Tensor>;
  tokens: number;
}

export interface ObjectiveImpl {
  name: string;
  /** Extra trainable modules besides the encoder (expander, MLM head), saved with the trainer state. */
  heads: Record<string, Module>;
  /** Modules saved with the trainer state but not trained by the optimizer (an EMA target encoder). */
  frozen?: Record<string, Module>;
  step(sentences: readonly string[], rng: Rng): StepOutput;
  /** Runs after each optimizer step; `step` is the 0-based step just taken. */
  afterStep?(step: number): void;
}

/** Data an objective reads besides the pool's sentences (loaded by the caller: objectives run in a browser too). */
export interface ObjectiveData {
  /** Labelled pairs, for `--objective pairs` and `--aux pairs`. */
  pairs?: readonly Pair[];
  /** WordNet relations, for the swaps of `--views`. */
  relations?: Relations;
}

/** Everything an objective saves in a checkpoint besides the encoder, by name prefix. */
export function savedModules(o: ObjectiveImpl): Record<string, Module> {
  return { ...o.heads, ...o.frozen };
}
