// The data order is a pure function of (seed, step): epoch e is a seeded permutation of the pool,
// and each step's view RNG is seeded from (seed, step). Resuming needs no stored data state.
import { Rng } from '../util/rng.ts';

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export class BatchStream {
  private permCache = new Map<number, number[]>();

  constructor(
    private pool: readonly string[],
    private batchSize: number,
    private seed: number,
  ) {
    if (pool.length < batchSize) {
      throw new Error(`training pool has ${pool.length} sentences, fewer than the batch size ${batchSize}`);
    }
  }

  private perm(epoch: number): number[] {
    let p = this.permCache.get(epoch);
    if (!p) {
      p = [...this.pool.keys()];
      Rng.fromSeed(mix(this.seed, epoch)).shuffle(p);
      this.permCache.clear();
      this.permCache.set(epoch, p);
    }
    return p;
  }

  /** Sentences of step `step` (0-based); batches never straddle epochs. */
  batch(step: number): string[] {
    const perEpoch = Math.floor(this.pool.length / this.batchSize);
    const epoch = Math.floor(step / perEpoch);
    const start = (step % perEpoch) * this.batchSize;
    const p = this.perm(epoch);
    return p.slice(start, start + this.batchSize).map((i) => this.pool[i]);
  }

  /** The host RNG for step `step` (views, masking). */
  rng(step: number): Rng {
    return Rng.fromSeed(mix(this.seed ^ 0x5bd1e995, step));
  }

  /** The GPU generator seed for step `step` (dropout). */
  gpuSeed(step: number): number {
    return mix(this.seed ^ 0x27d4eb2f, step);
  }
}
