// Seeded random tensors from the counter-based generator: (seed, offset) fully determine the
// values, and the offset advances by the number drawn, so a run is reproducible and resumable.
import { random as randomKernel, type RandomDist } from '@jepa/kernels';
import { checkShape, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';

export interface GeneratorState {
  seed: number;
  offset: number;
}

const gen: GeneratorState = { seed: 0x5eed, offset: 0 };

export function manualSeed(seed: number): void {
  gen.seed = seed;
  gen.offset = 0;
}

export function getGeneratorState(): GeneratorState {
  return { ...gen };
}

export function setGeneratorState(s: GeneratorState): void {
  gen.seed = s.seed;
  gen.offset = s.offset;
}

/** Reserve n counters from the global stream (for kernels that draw their own numbers). */
export function takeOffset(n: number): { seed: number; offset: number } {
  const r = { seed: gen.seed, offset: gen.offset };
  // Keep each draw's counters disjoint; wrap within u32 as the kernel does.
  gen.offset = (gen.offset + Math.ceil(n / 4) * 4) % 2 ** 32;
  return r;
}

function draw(shape: Shape, dist: RandomDist, a: number, b: number, what: string): Tensor {
  checkShape(what, shape);
  const t = Tensor.empty(shape, 'f32', what);
  const { seed, offset } = takeOffset(t.size);
  randomKernel({ out: t.buffer, n: t.size, dist, seed, offset, a, b });
  return t;
}

export const rand = (shape: Shape, lo = 0, hi = 1): Tensor => draw(shape, 'uniform', lo, hi, 'rand');
export const randn = (shape: Shape, mean = 0, std = 1): Tensor => draw(shape, 'normal', mean, std, 'randn');
export function bernoulli(shape: Shape, p: number): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: p must be in [0, 1], got ${p}`);
  return draw(shape, 'bernoulli', p, 0, 'bernoulli');
}
