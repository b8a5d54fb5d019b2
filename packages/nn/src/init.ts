// BERT-style initialisation (normal std 0.02, zero biases, unit norm weights), drawn from the
// global seeded generator so `manualSeed(s)` before construction reproduces a model exactly.
import { full, randn, type Tensor } from '@jepa/tensor';

/** The std BERT's `initializer_range` defaults to. */
export const BERT_INIT_STD = 0.02;

export const normalInit = (shape: readonly number[], std = BERT_INIT_STD): Tensor => randn(shape, 0, std);
export const zerosInit = (shape: readonly number[]): Tensor => full(shape, 0);
export const onesInit = (shape: readonly number[]): Tensor => full(shape, 1);
