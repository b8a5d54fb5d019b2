// Small seeded PRNG: xoshiro128** (32-bit state words, so no BigInt on the hot path), seeded
// through splitmix32. The whole state is four uint32s, which a trainer can write into a
// checkpoint (`state()`) and restore bit-exactly (`Rng.fromState`).

/** Serializable generator state: four uint32 words (JSON-safe). */
export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(s: RngState) {
    if (s.length !== 4 || s.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new Error(`Rng: state must be four uint32 words, got ${JSON.stringify(s)}`);
    }
    if (s.every((w) => w === 0)) throw new Error('Rng: all-zero state is invalid for xoshiro128**');
    [this.s0, this.s1, this.s2, this.s3] = s;
  }

  /** Seed from any integer (taken mod 2^32); equal seeds give equal streams. */
  static fromSeed(seed: number): Rng {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const sm = splitmix32(Math.trunc(seed) >>> 0);
    const s: [number, number, number, number] = [sm(), sm(), sm(), sm()];
    if (s.every((w) => w === 0)) s[0] = 1; // astronomically unlikely, but keep the state valid
    return new Rng(s);
  }

  /** Restore a generator saved with `state()`; it continues the exact same stream. */
  static fromState(state: RngState): Rng {
    return new Rng(state);
  }

  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  clone(): Rng {
    return new Rng(this.state());
  }

  /** Next uniform uint32 in [0, 2^32). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [lo, hiInclusive]; unbiased (rejection sampling), range up to 2^32. */
  uniformInt(lo: number, hiInclusive: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hiInclusive) || hiInclusive < lo) {
      throw new Error(`Rng.uniformInt: need integers lo <= hi, got [${lo}, ${hiInclusive}]`);
    }
    const range = hiInclusive - lo + 1;
    if (range > 0x100000000) throw new Error(`Rng.uniformInt: range ${range} exceeds 2^32`);
    if (range === 0x100000000) return lo + this.nextU32();
    // Reject the top partial bucket so every value has exactly the same number of preimages.
    const limit = 0x100000000 - (0x100000000 % range);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return lo + (x % range);
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.uniformInt(0, i);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}
