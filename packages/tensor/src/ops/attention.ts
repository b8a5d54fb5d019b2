// Fused scaled-dot-product attention (flash style forward, FA-2 style backward; see the kernel file
// @jepa/kernels wgsl/attention.ts). q/k/v are read through their strides, so head-split views of
// [B, T, H, d] projections need no copy; the output and the gradients take the layout of q (resp.
// k, v), so merging heads back (permute + reshape) is free too.
import { attentionBackward, attentionForward, attentionRngCount, type AttnView } from '@jepa/kernels';
import { record } from '../autograd.ts';
import { fmt } from '../shape.ts';
import { Tensor } from '../tensor.ts';
import { takeOffset } from './random.ts';
import { cast, contiguous, reshape } from './view.ts';

export interface AttentionOptions {
  /** [B, Tk] f32 (or any shape of B*Tk elements ending in Tk): 1 keeps a key, 0 pads it. */
  keyMask?: Tensor;
  /** Score scale; default 1/sqrt(d). */
  scale?: number;
  /** Dropout probability on the attention probabilities (0 = off; pass 0 in eval). */
  dropout?: number;
  /**
   * Query i sees keys j <= i + (Tk - Tq) only: bottom-right aligned, so the last query sees every
   * key (PyTorch's is_causal when Tq == Tk). With Tq > Tk the first Tq - Tk rows see no key and,
   * like rows whose keys are all padded, output 0.
   */
  causal?: boolean;
}

/** A [B, H, T, d] tensor as a kernel view: last dim contiguous (copied otherwise). */
function asView(t: Tensor): { view: AttnView; owned: Tensor | null } {
  let src = t;
  let owned: Tensor | null = null;
  if (t.shape[3] > 1 && t.strides[3] !== 1) src = owned = contiguous(t);
  // Size-1 dims are never stepped; a zero stride keeps them from spoiling vec4 alignment.
  const st = (d: number) => (src.shape[d] === 1 ? 0 : src.strides[d]);
  return { view: { buffer: src.buffer, offset: src.offset, strides: [st(0), st(1), st(2)] }, owned };
}

/** An uninitialised tensor of `shape` laid out in memory like `like` (dims ordered by stride). */
function emptyLike(like: Tensor, shape: readonly number[], what: string): Tensor {
  const order = [0, 1, 2].sort((a, b) => like.strides[b] - like.strides[a] || a - b);
  order.push(3);
  const phys = Tensor.empty(
    order.map((d) => shape[d]),
    'f32',
    what,
  );
  const physStrides = phys.strides;
  const strides = new Array<number>(4);
  order.forEach((d, i) => (strides[d] = physStrides[i]));
  const out = phys.view(shape, strides, 0);
  phys.dispose();
  return out;
}

export function attention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  for (const t of [q, k, v]) {
    t.assertAlive('attention');
    if (t.dtype !== 'f32') throw new Error(`attention: expects f32 q/k/v, got ${t.dtype}`);
  }
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new Error(`attention: q, k, v must be [B, H, T, d]; got ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`);
  }
  const [B, H, Tq, D] = q.shape;
  const Tk = k.shape[2];
  const want = [B, H, Tk, D];
  if (k.shape.some((s, i) => s !== want[i]) || v.shape.some((s, i) => s !== want[i])) {
    throw new Error(`attention: k ${fmt(k.shape)} and v ${fmt(v.shape)} must be ${fmt(want)} for q ${fmt(q.shape)}`);
  }
  const scale = opts.scale ?? 1 / Math.sqrt(D);
  const p = opts.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new Error(`attention: dropout must be in [0, 1), got ${p}`);

  let mask: Tensor | null = null;
  if (opts.keyMask) {
    const m = opts.keyMask;
    m.assertAlive('attention keyMask');
    if (m.size !== B * Tk || m.shape[m.rank - 1] !== Tk) {
      throw new Error(`attention: keyMask ${fmt(m.shape)} must be [B, Tk] = ${fmt([B, Tk])}`);
    }
    const f = m.dtype === 'f32' ? m : cast(m, 'f32');
    mask = reshape(f, [B * Tk]); // contiguous (copied if it was not)
    if (f !== m) f.dispose();
  }

  const vq = asView(q),
    vk = asView(k),
    vv = asView(v);
  const out = emptyLike(q, [B, H, Tq, D], 'attention output');
  const stats = Tensor.empty([2 * B * H * Tq], 'f32', 'attention logsumexp');
  const dropout = p > 0 ? { p, ...takeOffset(attentionRngCount(B, H, Tq, Tk)) } : undefined;
  const dims = { B, H, Tq, Tk, D, scale, mask: mask?.buffer, dropout, causal: !!opts.causal };
  const ov = asView(out).view;
  attentionForward({ ...dims, q: vq.view, k: vk.view, v: vv.view, out: ov, stats: stats.buffer });

  return record(
    out,
    'attention',
    [q, k, v],
    (g) => {
      const vg = asView(g);
      const grads = [q, k, v].map((t, i) => (t.requiresGrad ? emptyLike(t, t.shape, `attention d${'qkv'[i]}`) : null));
      const view = (t: Tensor | null) => (t ? asView(t).view : undefined);
      attentionBackward({
        ...dims,
        q: vq.view,
        k: vk.view,
        v: vv.view,
        out: ov,
        dout: vg.view,
        stats: stats.buffer,
        dq: view(grads[0]),
        dk: view(grads[1]),
        dv: view(grads[2]),
      });
      vg.owned?.dispose();
      return grads;
    },
    { saved: [vq.owned, vk.owned, vv.owned, mask, stats] },
  );
}
