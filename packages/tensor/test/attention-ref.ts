// The float64 attention reference (the unfused composition and its analytic gradients), the CPU
// twin of the dropout mask, and the GPU-vs-reference comparison: shared by this package's attention
// tests and benchmarks/variants' tests of the superseded variants.
import { philoxCpu } from '@jepa/kernels';
import { expect } from 'vitest';
import * as T from '../src/index.ts';
import { expectClose, randArray } from './helpers.ts';

export interface Dims {
  B: number;
  H: number;
  Tq: number;
  Tk: number;
  D: number;
  scale?: number;
  /** [B, Tk], 1 keep / 0 pad. */
  mask?: ArrayLike<number>;
  /** Dropout multiplier of probability (bh, i, j): 0 or 1/(1-p). */
  drop?: (bh: number, i: number, j: number) => number;
  /** Query i sees keys j <= i + Tk - Tq. */
  causal?: boolean;
}

/**
 * The unfused composition in float64: S = q kᵀ · scale, masked keys -> -inf, P = softmax(S),
 * O = dropout(P) v, causal: keys j > i + Tk - Tq masked too. A row with every key masked outputs 0
 * (the fused op's documented choice).
 */
export function cpuProbs(q: ArrayLike<number>, k: ArrayLike<number>, d: Dims): Float64Array {
  const { B, H, Tq, Tk, D } = d;
  const scale = d.scale ?? 1 / Math.sqrt(D);
  const P = new Float64Array(B * H * Tq * Tk);
  for (let bh = 0; bh < B * H; bh++) {
    const b = Math.floor(bh / H);
    for (let i = 0; i < Tq; i++) {
      const s = new Float64Array(Tk);
      let m = -Infinity;
      for (let j = 0; j < Tk; j++) {
        if (d.mask && d.mask[b * Tk + j] === 0) {
          s[j] = -Infinity;
          continue;
        }
        if (d.causal && j > i + Tk - Tq) {
          s[j] = -Infinity;
          continue;
        }
        let acc = 0;
        for (let c = 0; c < D; c++) acc += q[(bh * Tq + i) * D + c] * k[(bh * Tk + j) * D + c];
        s[j] = acc * scale;
        m = Math.max(m, s[j]);
      }
      if (m === -Infinity) continue; // all padded: probabilities 0
      let sum = 0;
      for (let j = 0; j < Tk; j++) sum += s[j] === -Infinity ? 0 : Math.exp(s[j] - m);
      for (let j = 0; j < Tk; j++) P[(bh * Tq + i) * Tk + j] = s[j] === -Infinity ? 0 : Math.exp(s[j] - m) / sum;
    }
  }
  return P;
}

export function cpuAttention(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, d: Dims): Float64Array {
  const { B, H, Tq, Tk, D } = d;
  const P = cpuProbs(q, k, d);
  const out = new Float64Array(B * H * Tq * D);
  for (let bh = 0; bh < B * H; bh++) {
    for (let i = 0; i < Tq; i++) {
      for (let j = 0; j < Tk; j++) {
        const pij = P[(bh * Tq + i) * Tk + j] * (d.drop ? d.drop(bh, i, j) : 1);
        if (pij === 0) continue;
        for (let c = 0; c < D; c++) out[(bh * Tq + i) * D + c] += pij * v[(bh * Tk + j) * D + c];
      }
    }
  }
  return out;
}

/** Analytic float64 gradients of <O, dO> (the softmax Jacobian written out, not FA-2's D trick). */
export function cpuAttentionGrads(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dO: ArrayLike<number>,
  d: Dims,
) {
  const { B, H, Tq, Tk, D } = d;
  const scale = d.scale ?? 1 / Math.sqrt(D);
  const P = cpuProbs(q, k, d);
  const dq = new Float64Array(B * H * Tq * D),
    dk = new Float64Array(B * H * Tk * D),
    dv = new Float64Array(B * H * Tk * D);
  for (let bh = 0; bh < B * H; bh++) {
    for (let i = 0; i < Tq; i++) {
      const dP = new Float64Array(Tk);
      let dot = 0;
      for (let j = 0; j < Tk; j++) {
        const f = d.drop ? d.drop(bh, i, j) : 1;
        let g = 0;
        for (let c = 0; c < D; c++) g += dO[(bh * Tq + i) * D + c] * v[(bh * Tk + j) * D + c];
        dP[j] = g * f;
        const pij = P[(bh * Tq + i) * Tk + j];
        dot += pij * dP[j];
        for (let c = 0; c < D; c++) dv[(bh * Tk + j) * D + c] += pij * f * dO[(bh * Tq + i) * D + c];
      }
      for (let j = 0; j < Tk; j++) {
        const ds = P[(bh * Tq + i) * Tk + j] * (dP[j] - dot) * scale;
        if (ds === 0) continue;
        for (let c = 0; c < D; c++) {
          dq[(bh * Tq + i) * D + c] += ds * k[(bh * Tk + j) * D + c];
          dk[(bh * Tk + j) * D + c] += ds * q[(bh * Tq + i) * D + c];
        }
      }
    }
  }
  return { dq, dk, dv };
}

/** A padding mask: batch b keeps its first Tk - b*step keys (at least `min`). */
export function padMask(B: number, Tk: number, step: number, min = 0): Float32Array {
  const m = new Float32Array(B * Tk);
  for (let b = 0; b < B; b++) for (let j = 0; j < Math.max(min, Tk - b * step); j++) m[b * Tk + j] = 1;
  return m;
}

/** Run forward + backward on the GPU and compare everything with the float64 reference. */
export async function compare(d: Dims, opts: { strided?: boolean; tol?: number } = {}): Promise<void> {
  const { B, H, Tq, Tk, D } = d;
  const tol = opts.tol ?? 2e-4;
  const qa = randArray(B * H * Tq * D, 11),
    ka = randArray(B * H * Tk * D, 12),
    va = randArray(B * H * Tk * D, 13);
  const ga = randArray(B * H * Tq * D, 14);
  const make = (a: Float32Array, t: number) => {
    if (!opts.strided) return T.tensor(a, [B, H, t, D]);
    // The same logical values stored as [B, T, H, D] and viewed as [B, H, T, D] (no copy).
    const phys = new Float32Array(a.length);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < t; i++)
          for (let c = 0; c < D; c++) {
            phys[((b * t + i) * H + h) * D + c] = a[((b * H + h) * t + i) * D + c];
          }
    return T.tensor(phys, [B, t, H, D]).permute([0, 2, 1, 3]);
  };
  await T.tidyAsync(async () => {
    const q = make(qa, Tq).requireGrad(),
      k = make(ka, Tk).requireGrad(),
      v = make(va, Tk).requireGrad();
    const keyMask = d.mask ? T.tensor(Float32Array.from(d.mask), [B, Tk]) : undefined;
    const out = T.attention(q, k, v, { keyMask, scale: d.scale, causal: d.causal });
    expectClose(await out.toArray(), cpuAttention(qa, ka, va, d), tol, tol, 'forward');
    out.backward(make(ga, Tq));
    const want = cpuAttentionGrads(qa, ka, va, ga, d);
    expectClose(await q.grad!.toArray(), want.dq, tol * 5, tol * 5, 'dq');
    expectClose(await k.grad!.toArray(), want.dk, tol * 5, tol * 5, 'dk');
    expectClose(await v.grad!.toArray(), want.dv, tol * 5, tol * 5, 'dv');
    // The output keeps q's [B, T, H, D] memory layout: merging heads afterwards is a free view.
    if (opts.strided) expect(out.strides).toEqual([Tq * H * D, D, H * D, 1]);
    for (const t of [q, k, v]) t.zeroGrad();
  });
}

export const u01 = (x: number) => (x >>> 8) / 16777216;
/** The CPU twin of the kernels' dropout mask: counter offset + row*ceil(Tk/4) + j/4, word j%4. */
export function dropFn(state: { seed: number; offset: number }, p: number, Tq: number, Tk: number) {
  const key: [number, number] = [state.seed >>> 0, Math.floor(state.seed / 2 ** 32) >>> 0];
  const Tk4 = Math.ceil(Tk / 4);
  return (bh: number, i: number, j: number) => {
    const r = philoxCpu([(state.offset + (bh * Tq + i) * Tk4 + (j >> 2)) >>> 0, 0, 0, 0], key);
    return u01(r[j & 3]) >= p ? 1 / (1 - p) : 0;
  };
}

/** Forward and gradients with dropout (and padding) against the reference with the regenerated mask. */
export async function compareDropout(
  d: { B: number; H: number; Tq: number; Tk: number; D: number; causal?: boolean },
  p = 0.3,
  seed = 1234,
): Promise<void> {
  const { B, H, Tq, Tk, D } = d;
  const mask = padMask(B, Tk, 5, 1);
  const qa = randArray(B * H * Tq * D, 21),
    ka = randArray(B * H * Tk * D, 22),
    va = randArray(B * H * Tk * D, 23);
  const ga = randArray(B * H * Tq * D, 24);
  T.manualSeed(seed);
  T.randn([5]).dispose(); // move the stream off 0
  const state = T.getGeneratorState();
  const dims: Dims = { ...d, mask, drop: dropFn(state, p, Tq, Tk) };
  await T.tidyAsync(async () => {
    const q = T.tensor(qa, [B, H, Tq, D]).requireGrad(),
      k = T.tensor(ka, [B, H, Tk, D]).requireGrad(),
      v = T.tensor(va, [B, H, Tk, D]).requireGrad();
    const out = T.attention(q, k, v, { keyMask: T.tensor(mask, [B, Tk]), dropout: p, causal: d.causal });
    expectClose(await out.toArray(), cpuAttention(qa, ka, va, dims), 2e-4, 2e-4, 'forward');
    out.backward(T.tensor(ga, [B, H, Tq, D]));
    const want = cpuAttentionGrads(qa, ka, va, ga, dims);
    expectClose(await q.grad!.toArray(), want.dq, 1e-3, 1e-3, 'dq');
    expectClose(await k.grad!.toArray(), want.dk, 1e-3, 1e-3, 'dk');
    expectClose(await v.grad!.toArray(), want.dv, 1e-3, 1e-3, 'dv');
    // Each call draws fresh counters: a second call gives a different mask.
    const again = await T.attention(q, k, v, {
      keyMask: T.tensor(mask, [B, Tk]),
      dropout: p,
      causal: d.causal,
    }).toArray();
    expect(Array.from(again)).not.toEqual(Array.from(await out.toArray()));
    for (const t of [q, k, v]) t.zeroGrad();
  });
}
