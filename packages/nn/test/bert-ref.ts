// A plain-TypeScript float64 BERT forward (HF BertModel semantics) used as the reference for the
// GPU model: embeddings + LayerNorm, post-LN encoder layers with erf GELU, tanh pooler.
import type { BertConfig } from '../src/index.ts';

export type RefWeights = Map<string, Float64Array>;

const erf = (x: number): number => {
  // W. J. Cody's rational approximations are overkill; this series/continued-fraction pair is
  // accurate to ~1e-15 over the range a BERT activation reaches.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = ax,
      term = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz) for the tail.
  let f = ax,
    C = ax,
    D = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    D = ax + a * D;
    D = 1 / D;
    C = ax + a / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
};
export const geluRef = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/** x [N, in] @ w[out, in]ᵀ + b -> [N, out]. */
export function linearRef(
  x: Float64Array,
  N: number,
  w: Float64Array,
  b: Float64Array | undefined,
  inF: number,
  outF: number,
): Float64Array {
  const y = new Float64Array(N * outF);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[n * inF + i] * w[o * inF + i];
      y[n * outF + o] = s;
    }
  }
  return y;
}

export function layerNormRef(
  x: Float64Array,
  N: number,
  D: number,
  w: Float64Array,
  b: Float64Array,
  eps: number,
): Float64Array {
  const y = new Float64Array(x.length);
  for (let n = 0; n < N; n++) {
    let mu = 0;
    for (let d = 0; d < D; d++) mu += x[n * D + d];
    mu /= D;
    let v = 0;
    for (let d = 0; d < D; d++) v += (x[n * D + d] - mu) ** 2;
    const r = 1 / Math.sqrt(v / D + eps);
    for (let d = 0; d < D; d++) y[n * D + d] = (x[n * D + d] - mu) * r * w[d] + b[d];
  }
  return y;
}

export interface RefOutput {
  lastHidden: Float64Array;
  pooled: Float64Array;
}

export function bertRef(
  cfg: BertConfig,
  W: RefWeights,
  ids: Int32Array,
  mask: ArrayLike<number>,
  B: number,
  T: number,
  types?: Int32Array,
): RefOutput {
  const H = cfg.hidden_size,
    nh = cfg.num_attention_heads,
    dh = H / nh,
    I = cfg.intermediate_size,
    N = B * T;
  const g = (n: string) => {
    const w = W.get(n);
    if (!w) throw new Error(`bertRef: no weight ${n}`);
    return w;
  };
  let x: Float64Array = new Float64Array(N * H);
  const we = g('embeddings.word_embeddings.weight'),
    pe = g('embeddings.position_embeddings.weight'),
    te = g('embeddings.token_type_embeddings.weight');
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const r = b * T + t,
        id = ids[r],
        tt = types ? types[r] : 0;
      for (let h = 0; h < H; h++) x[r * H + h] = we[id * H + h] + pe[t * H + h] + te[tt * H + h];
    }
  }
  x = layerNormRef(x, N, H, g('embeddings.LayerNorm.weight'), g('embeddings.LayerNorm.bias'), cfg.layer_norm_eps);
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    const lin = (inp: Float64Array, name: string, i: number, o: number) =>
      linearRef(inp, N, g(`${p}${name}.weight`), g(`${p}${name}.bias`), i, o);
    const q = lin(x, 'attention.self.query', H, H),
      k = lin(x, 'attention.self.key', H, H),
      v = lin(x, 'attention.self.value', H, H);
    const ctx = new Float64Array(N * H);
    const scores = new Float64Array(T);
    for (let b = 0; b < B; b++) {
      for (let hd = 0; hd < nh; hd++) {
        for (let i = 0; i < T; i++) {
          let mx = -Infinity;
          for (let j = 0; j < T; j++) {
            if (!mask[b * T + j]) {
              scores[j] = -Infinity;
              continue;
            }
            let s = 0;
            for (let d = 0; d < dh; d++) s += q[(b * T + i) * H + hd * dh + d] * k[(b * T + j) * H + hd * dh + d];
            scores[j] = s / Math.sqrt(dh);
            mx = Math.max(mx, scores[j]);
          }
          let z = 0;
          for (let j = 0; j < T; j++) z += scores[j] = scores[j] === -Infinity ? 0 : Math.exp(scores[j] - mx);
          for (let d = 0; d < dh; d++) {
            let s = 0;
            for (let j = 0; j < T; j++) s += scores[j] * v[(b * T + j) * H + hd * dh + d];
            ctx[(b * T + i) * H + hd * dh + d] = s / z;
          }
        }
      }
    }
    const ao = lin(ctx, 'attention.output.dense', H, H);
    for (let i = 0; i < ao.length; i++) ao[i] += x[i];
    const a = layerNormRef(
      ao,
      N,
      H,
      g(`${p}attention.output.LayerNorm.weight`),
      g(`${p}attention.output.LayerNorm.bias`),
      cfg.layer_norm_eps,
    );
    const inter = lin(a, 'intermediate.dense', H, I).map(geluRef);
    const o = lin(inter, 'output.dense', I, H);
    for (let i = 0; i < o.length; i++) o[i] += a[i];
    x = layerNormRef(o, N, H, g(`${p}output.LayerNorm.weight`), g(`${p}output.LayerNorm.bias`), cfg.layer_norm_eps);
  }
  const cls = new Float64Array(B * H);
  for (let b = 0; b < B; b++) cls.set(x.subarray(b * T * H, b * T * H + H), b * H);
  const pooled = linearRef(cls, B, g('pooler.dense.weight'), g('pooler.dense.bias'), H, H).map(Math.tanh);
  return { lastHidden: x, pooled };
}

/** Reference pooling over [B, T, H]. */
export function poolRef(
  h: Float64Array,
  mask: ArrayLike<number>,
  B: number,
  T: number,
  H: number,
  mode: 'cls' | 'mean' | 'max',
): Float64Array {
  const out = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < H; d++) {
      if (mode === 'cls') {
        out[b * H + d] = h[b * T * H + d];
        continue;
      }
      let acc = mode === 'max' ? -Infinity : 0,
        n = 0;
      for (let t = 0; t < T; t++) {
        if (!mask[b * T + t]) continue;
        const v = h[(b * T + t) * H + d];
        acc = mode === 'max' ? Math.max(acc, v) : acc + v;
        n++;
      }
      out[b * H + d] = mode === 'max' ? acc : acc / Math.max(n, 1e-9);
    }
  }
  return out;
}
