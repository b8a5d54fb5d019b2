// A plain-TypeScript float64 forward of HF's BertLMHeadModel decoder (is_decoder +
// add_cross_attention): causal self-attention, cross-attention to a context, feed-forward, then the
// MLM head with the word table as output matrix. The reference for BertDecoder.
import type { BertConfig } from '../src/index.ts';
import { geluRef, layerNormRef, linearRef } from './bert-ref.ts';

/** Multi-head attention: q [B*Tq, H], k/v [B*Tk, H] -> [B*Tq, H]; keyMask [B*Tk] (0 pads). */
export function attentionRef(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  B: number,
  Tq: number,
  Tk: number,
  H: number,
  heads: number,
  opts: { causal?: boolean; keyMask?: ArrayLike<number> } = {},
): Float64Array {
  const dh = H / heads;
  const out = new Float64Array(B * Tq * H);
  const s = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < Tq; i++) {
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if ((opts.keyMask && !opts.keyMask[b * Tk + j]) || (opts.causal && j > i)) {
            s[j] = -Infinity;
            continue;
          }
          let acc = 0;
          for (let d = 0; d < dh; d++) acc += q[(b * Tq + i) * H + h * dh + d] * k[(b * Tk + j) * H + h * dh + d];
          s[j] = acc / Math.sqrt(dh);
          mx = Math.max(mx, s[j]);
        }
        let z = 0;
        for (let j = 0; j < Tk; j++) z += s[j] = s[j] === -Infinity ? 0 : Math.exp(s[j] - mx);
        for (let d = 0; d < dh; d++) {
          let acc = 0;
          for (let j = 0; j < Tk; j++) acc += s[j] * v[(b * Tk + j) * H + h * dh + d];
          out[(b * Tq + i) * H + h * dh + d] = acc / z;
        }
      }
    }
  }
  return out;
}

/**
 * ids [B*T] -> { hidden [B*T, H], logits [B*T, vocab] }, context [B*S, H]. `w(name)` returns the
 * weight HF would hold under `name` (a tied decoder resolves shared names to the encoder's).
 */
export function decoderRef(
  cfg: BertConfig,
  w: (name: string) => Float64Array,
  ids: Int32Array,
  B: number,
  T: number,
  context: Float64Array,
  S: number,
  contextMask?: ArrayLike<number>,
): { hidden: Float64Array; logits: Float64Array } {
  const H = cfg.hidden_size,
    I = cfg.intermediate_size,
    V = cfg.vocab_size,
    N = B * T,
    eps = cfg.layer_norm_eps;
  const we = w('bert.embeddings.word_embeddings.weight'),
    pe = w('bert.embeddings.position_embeddings.weight');
  const te = w('bert.embeddings.token_type_embeddings.weight');
  let x: Float64Array = new Float64Array(N * H);
  for (let r = 0; r < N; r++)
    for (let h = 0; h < H; h++) x[r * H + h] = we[ids[r] * H + h] + pe[(r % T) * H + h] + te[h];
  x = layerNormRef(x, N, H, w('bert.embeddings.LayerNorm.weight'), w('bert.embeddings.LayerNorm.bias'), eps);
  const residual = (h: Float64Array, res: Float64Array, p: string) => {
    for (let i = 0; i < h.length; i++) h[i] += res[i];
    return layerNormRef(h, N, H, w(`${p}.LayerNorm.weight`), w(`${p}.LayerNorm.bias`), eps);
  };
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `bert.encoder.layer.${l}`;
    const lin = (inp: Float64Array, rows: number, name: string, i: number, o: number) =>
      linearRef(inp, rows, w(`${p}.${name}.weight`), w(`${p}.${name}.bias`), i, o);
    const self = attentionRef(
      lin(x, N, 'attention.self.query', H, H),
      lin(x, N, 'attention.self.key', H, H),
      lin(x, N, 'attention.self.value', H, H),
      B,
      T,
      T,
      H,
      cfg.num_attention_heads,
      { causal: true },
    );
    const a = residual(lin(self, N, 'attention.output.dense', H, H), x, `${p}.attention.output`);
    const cross = attentionRef(
      lin(a, N, 'crossattention.self.query', H, H),
      lin(context, B * S, 'crossattention.self.key', H, H),
      lin(context, B * S, 'crossattention.self.value', H, H),
      B,
      T,
      S,
      H,
      cfg.num_attention_heads,
      { keyMask: contextMask },
    );
    const c = residual(lin(cross, N, 'crossattention.output.dense', H, H), a, `${p}.crossattention.output`);
    x = residual(lin(lin(c, N, 'intermediate.dense', H, I).map(geluRef), N, 'output.dense', I, H), c, `${p}.output`);
  }
  const t = layerNormRef(
    linearRef(x, N, w('cls.predictions.transform.dense.weight'), w('cls.predictions.transform.dense.bias'), H, H).map(
      geluRef,
    ),
    N,
    H,
    w('cls.predictions.transform.LayerNorm.weight'),
    w('cls.predictions.transform.LayerNorm.bias'),
    eps,
  );
  const logits = linearRef(t, N, we, w('cls.predictions.bias'), H, V);
  return { hidden: x, logits };
}
