// Dropout from the counter-based generator: element i keeps with probability 1 - p, decided by
// Philox(counter = offset + floor(i / 4), key = seed) component i % 4 — one Philox call per 4 elements.
// The mask is a pure function of (seed, offset, i), so the backward regenerates it; nothing is stored.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { gridKernel, grid } from './common.ts';
import { PHILOX_WGSL } from './random.ts';

const dropoutKernel: Kernel = gridKernel({
  name: 'dropout',
  key: 'dropout',
  bindings: [
    ['x', 'f32'],
    ['out', 'f32', 'rw'],
  ],
  params: 'n: u32, seedLo: u32, seedHi: u32, offset: u32, p: f32, scale: f32',
  prelude: PHILOX_WGSL,
  body: () => `  let i0 = idx * 4u;
  if (i0 >= p.n) { return; }
  let r = rand_at(vec2<u32>(p.seedLo, p.seedHi), p.offset + idx, 0u);
  for (var k = 0u; k < 4u; k++) {
    let i = i0 + k;
    if (i < p.n) { out[i] = select(0.0, x[i] * p.scale, u01(r[k]) >= p.p); }
  }`,
});

export interface DropoutArgs {
  /** Contiguous input (the forward's x or the backward's upstream gradient). */
  x: GPUBuffer;
  out: GPUBuffer;
  n: number;
  p: number;
  seed: number;
  /** Counter offset reserved for this call (takeOffset(n)); it uses counters offset .. offset + ceil(n/4). */
  offset: number;
}

/** out = x · mask / (1 - p); the same (seed, offset) gives the same mask. */
export function dropout(a: DropoutArgs): void {
  if (a.n === 0) return;
  const params = new Params()
    .u32(a.n)
    .u32(a.seed >>> 0)
    .u32(Math.floor(a.seed / 2 ** 32) >>> 0)
    .u32(a.offset >>> 0)
    .f32(a.p)
    .f32(a.p >= 1 ? 0 : 1 / (1 - a.p));
  runtime().dispatch({ kernel: dropoutKernel, buffers: [a.x, a.out], params, workgroups: grid(Math.ceil(a.n / 4)) });
}
