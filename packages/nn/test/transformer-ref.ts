// Float64 CPU references for MultiheadAttention and TransformerEncoderLayer (PyTorch's formulas,
// batch_first), written from the definitions, not from the GPU code.

export interface MhaWeights {
  in_proj_weight: ArrayLike<number>; // [3E, E]
  in_proj_bias: ArrayLike<number>; // [3E]
  out_weight: ArrayLike<number>; // [E, E]
  out_bias: ArrayLike<number>; // [E]
}

export interface MhaDims {
  B: number;
  T: number;
  S: number;
  E: number;
  H: number;
  causal?: boolean;
  /** [B, S] 1 keep, 0 pad */
  mask?: ArrayLike<number>;
}

/** x [rows, inF] · W[r0 : r0+outF]ᵀ + b[r0 : r0+outF] */
export function cpuLinear(
  x: ArrayLike<number>,
  rows: number,
  inF: number,
  W: ArrayLike<number>,
  b: ArrayLike<number> | null,
  r0: number,
  outF: number,
): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[r0 + o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * W[(r0 + o) * inF + i];
      y[r * outF + o] = s;
    }
  }
  return y;
}

export function cpuMha(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  w: MhaWeights,
  d: MhaDims,
): Float64Array {
  const { B, T, S, E, H } = d;
  const D = E / H;
  const Q = cpuLinear(q, B * T, E, w.in_proj_weight, w.in_proj_bias, 0, E);
  const K = cpuLinear(k, B * S, E, w.in_proj_weight, w.in_proj_bias, E, E);
  const V = cpuLinear(v, B * S, E, w.in_proj_weight, w.in_proj_bias, 2 * E, E);
  const ctx = new Float64Array(B * T * E);
  const scale = 1 / Math.sqrt(D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const allowed = (j: number) => d.mask?.[b * S + j] !== 0 && (!d.causal || j <= i + (S - T));
        const sc = new Float64Array(S);
        let mx = -Infinity;
        for (let j = 0; j < S; j++) {
          if (!allowed(j)) continue;
          let s = 0;
          for (let e = 0; e < D; e++) s += Q[(b * T + i) * E + h * D + e] * K[(b * S + j) * E + h * D + e];
          sc[j] = s * scale;
          mx = Math.max(mx, sc[j]);
        }
        if (mx === -Infinity) continue; // no key: 0
        let z = 0;
        for (let j = 0; j < S; j++) {
          sc[j] = allowed(j) ? Math.exp(sc[j] - mx) : 0;
          z += sc[j];
        }
        for (let j = 0; j < S; j++) {
          if (!sc[j]) continue;
          for (let e = 0; e < D; e++) ctx[(b * T + i) * E + h * D + e] += (sc[j] / z) * V[(b * S + j) * E + h * D + e];
        }
      }
    }
  }
  return cpuLinear(ctx, B * T, E, w.out_weight, w.out_bias, 0, E);
}

export function cpuLayerNorm(
  x: ArrayLike<number>,
  rows: number,
  n: number,
  g: ArrayLike<number>,
  b: ArrayLike<number>,
  eps: number,
): Float64Array {
  const y = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += x[r * n + i];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[r * n + i] - m) ** 2;
    const inv = 1 / Math.sqrt(v / n + eps);
    for (let i = 0; i < n; i++) y[r * n + i] = (x[r * n + i] - m) * inv * g[i] + b[i];
  }
  return y;
}

/** erf to ~1e-15 (series for small |x|, continued fraction beyond). */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x,
      sum = x;
    for (let n = 1; n < 100; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz)
  let f = ax,
    C = ax,
    Dd = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    Dd = 1 / (ax + a * Dd);
    C = ax + a / C;
    const delta = C * Dd;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export const cpuGelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

export interface LayerWeights extends MhaWeights {
  linear1_weight: ArrayLike<number>;
  linear1_bias: ArrayLike<number>;
  linear2_weight: ArrayLike<number>;
  linear2_bias: ArrayLike<number>;
  norm1_weight: ArrayLike<number>;
  norm1_bias: ArrayLike<number>;
  norm2_weight: ArrayLike<number>;
  norm2_bias: ArrayLike<number>;
}

export function cpuEncoderLayer(
  x: ArrayLike<number>,
  w: LayerWeights,
  d: {
    B: number;
    T: number;
    E: number;
    H: number;
    F: number;
    normFirst: boolean;
    activation: 'relu' | 'gelu';
    eps: number;
    causal?: boolean;
    mask?: ArrayLike<number>;
  },
): Float64Array {
  const rows = d.B * d.T;
  const md: MhaDims = { B: d.B, T: d.T, S: d.T, E: d.E, H: d.H, causal: d.causal, mask: d.mask };
  const sa = (h: ArrayLike<number>) => cpuMha(h, h, h, w, md);
  const act = d.activation === 'gelu' ? cpuGelu : (v: number) => Math.max(v, 0);
  const ff = (h: ArrayLike<number>) => {
    const a = cpuLinear(h, rows, d.E, w.linear1_weight, w.linear1_bias, 0, d.F).map(act);
    return cpuLinear(a, rows, d.F, w.linear2_weight, w.linear2_bias, 0, d.E);
  };
  const ln1 = (h: ArrayLike<number>) => cpuLayerNorm(h, rows, d.E, w.norm1_weight, w.norm1_bias, d.eps);
  const ln2 = (h: ArrayLike<number>) => cpuLayerNorm(h, rows, d.E, w.norm2_weight, w.norm2_bias, d.eps);
  const add = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v + b[i]);
  if (d.normFirst) {
    const h = add(x, sa(ln1(x)));
    return add(h, ff(ln2(h)));
  }
  const h = ln1(add(x, sa(x)));
  return ln2(add(h, ff(h)));
}
