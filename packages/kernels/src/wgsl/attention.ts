// Fused scaled-dot-product attention, flash style: the Tq x Tk score matrix never reaches global
// memory. Forward keeps a running max and sum per query row and saves the row's logsumexp;
// backward (FA-2, no atomics) recomputes P per key from q, k and the logsumexp:
//   D = rowsum(dO ∘ O);  dV = Pᵀ dO;  dP = dO Vᵀ;  dS = P ∘ (dP − D);  dQ = dS K·s;  dK = dSᵀ Q·s
// as one kernel over query rows (dQ, and D) then one over key rows (dK, dV).
//
// Views: q/k/v/o/dO/dq/dk/dv are [B, H, T, D] with a contiguous last dim and any (b, h, t) element
// strides, so head-split projections ([B, T, H, D] memory) are read and written in place.
// keyMask is [B, Tk] f32 (nonzero keep, 0 pad). A query row whose keys are all padded outputs 0
// and gets zero gradients. `causal` lets query i see keys j <= i + (Tk - Tq): bottom-right aligned,
// so the last query sees every key (PyTorch's is_causal for Tq == Tk; its is_causal is top-left
// aligned when Tq != Tk, flash-attn's and our choice is bottom-right); with Tq > Tk the first
// Tq - Tk rows see no key and behave like all-padded rows. Optional dropout on the probabilities uses Philox counters
// (offset + row * ceil(Tk/4) + j/4, word j%4; stream 0) and is regenerated in backward.
//
// Variants (fwd + bwd unless noted):
//   v1 (attention_v1.ts): one invocation per query/key row, head dim unrolled into registers.
//   v2 (attention_v2.ts, forward only): K/V tiles staged in workgroup memory, the usual GPU design;
//      its backward is v1's.
//   v3 (attention_v3.ts): a subgroup shares a block of rows, lanes split the head dim.
//   v4 (attention_v4.ts): v3 plus a transposing reduction, so each lane owns one row's softmax.
// llvmpipe (fixed subgroup size) uses v4; other adapters use v2/v1 (untested on real GPUs here).
// llvmpipe, 2 shared cores, median ms (fwd / fwd+bwd), runs vary ~1.5x with load:
//   8x12x128x64: unfused 51-83 / 109-176, v3 37-56 / 134-208, v4 26-39 / 94-141;
//   32x2x32x64:  unfused 5.3-7.5 / 14.5-25, v3 2.1-2.5 / 7.5-8.2, v4 1.6-1.9 / 5.6-6.7,
//                v2 30 / 56, v1 10 / 32.
// v1 ran 0.7-1 s forward at 8x12x128x64 and took minutes to compile at d = 64 (unrolled loads).
import { Params, runtime, type Kernel } from '../runtime.ts';
import { attnGrid, type AttnCfg } from './attention_common.ts';
import { backwardDkvV1, backwardDqV1, forwardV1 } from './attention_v1.ts';
import { forwardV2 } from './attention_v2.ts';
import { backwardDkvV3, backwardDqV3, forwardV3, type SgShape } from './attention_v3.ts';
import { backwardDkvV4, backwardDqV4, forwardV4 } from './attention_v4.ts';

export interface AttnView {
  buffer: GPUBuffer;
  /** Element offset and (batch, head, row) element strides; the last dim has stride 1. */
  offset: number;
  strides: readonly [number, number, number];
}

export interface AttnDims {
  B: number;
  H: number;
  Tq: number;
  Tk: number;
  D: number;
  scale: number;
  /** [B, Tk] f32, 1 keep / 0 pad. */
  mask?: GPUBuffer;
  dropout?: { p: number; seed: number; offset: number };
  /** Query i sees keys j <= i + Tk - Tq only. */
  causal?: boolean;
}

export type AttentionVariant = 'v1' | 'v2' | 'v3' | 'v4';

let forced: AttentionVariant | null = null;
/** Force a variant (benchmarks/tests); null restores the per-adapter choice. */
export function setAttentionVariant(v: AttentionVariant | null): void {
  forced = v;
}

/** The subgroup size when the device has subgroups of one fixed size, else null. */
export function fixedSubgroupSize(): number | null {
  const rt = runtime();
  if (!rt.gpu.hasSubgroups) return null;
  const info = (rt.device as unknown as { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  const lo = info?.subgroupMinSize, hi = info?.subgroupMaxSize;
  return lo && lo === hi && lo >= 4 && lo <= 128 ? lo : null;
}

export function attentionVariant(): AttentionVariant {
  if (forced) {
    if ((forced === 'v3' || forced === 'v4') && !fixedSubgroupSize()) throw new Error(`attention ${forced} needs subgroups of a fixed size`);
    return forced;
  }
  const S = fixedSubgroupSize();
  if (runtime().gpu.info.adapter.startsWith('llvmpipe') && S) return S <= 16 ? 'v4' : 'v3';
  return 'v2';
}

/** v3/v4 launch shape: R rows per subgroup (v3: 8, measured best over 1/2/4/8; v4: R = S) and up
 *  to 8 subgroups per workgroup, fewer for short sequences (idle subgroups still run). v3 on
 *  llvmpipe: 8x12x128x64 fwd 54 ms with 8 subgroups vs 77 with 4; 32x2x32x64 2.4 ms with 4 vs 4.2. */
function sgShape(rows: number, v: AttentionVariant): SgShape {
  const S = fixedSubgroupSize()!;
  const R = v === 'v4' ? S : Math.min(8, S);
  const want = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(rows / R))));
  return { S, R, NB: Math.max(1, Math.min(want, 8, Math.floor(256 / S))) };
}

/** Max head dim: rows are unrolled into registers. */
export const ATTN_MAX_D = 256;

/** Philox counters one call reserves for its dropout mask. */
export function attentionRngCount(B: number, H: number, Tq: number, Tk: number): number {
  return B * H * Tq * Math.ceil(Tk / 4);
}

function config(d: AttnDims, views: AttnView[]): AttnCfg {
  if (d.D > ATTN_MAX_D || d.D < 1) throw new Error(`attention: head dim ${d.D} is outside 1..${ATTN_MAX_D}`);
  const vec = d.D % 4 === 0 && views.every((v) => v.offset % 4 === 0 && v.strides.every((s) => s % 4 === 0));
  return { D: d.D, vec, mask: !!d.mask, drop: !!d.dropout && d.dropout.p > 0, causal: !!d.causal };
}

function params(d: AttnDims, cfg: AttnCfg, views: Partial<Record<number, AttnView>>, rowsPerSubgroup = 0): Params {
  const p = new Params().u32(d.B).u32(d.H).u32(d.Tq).u32(d.Tk).f32(d.scale);
  const dp = cfg.drop ? d.dropout!.p : 0;
  const seed = d.dropout?.seed ?? 0;
  p.f32(dp).f32(dp < 1 ? 1 / (1 - dp) : 0)
    .u32(seed >>> 0).u32(Math.floor(seed / 2 ** 32) >>> 0).u32((d.dropout?.offset ?? 0) >>> 0)
    .u32(Math.ceil(d.Tk / 4)).u32(rowsPerSubgroup);
  const unit = cfg.vec ? 4 : 1;
  for (let i = 0; i < 8; i++) {
    const v = views[i];
    p.u32(v ? v.offset / unit : 0);
    for (let s = 0; s < 3; s++) p.u32(v ? v.strides[s] / unit : 0);
  }
  return p;
}

const wgFor = (rows: number) => Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(rows, 1)))));

/** Forward: out (a view) and stats, a [2 * B*H*Tq] f32 buffer whose first half gets the logsumexp. */
export function attentionForward(d: AttnDims & { q: AttnView; k: AttnView; v: AttnView; out: AttnView; stats: GPUBuffer }): void {
  if (d.B * d.H * d.Tq === 0) return;
  const cfg = config(d, [d.q, d.k, d.v, d.out]);
  const v = attentionVariant();
  let kernel: Kernel;
  let wg: number;
  let sh: SgShape | null = null;
  if (v === 'v2') {
    ({ kernel, wg } = forwardV2(cfg));
  } else if (v === 'v3' || v === 'v4') {
    sh = sgShape(d.Tq, v);
    kernel = v === 'v3' ? forwardV3(cfg, sh) : forwardV4(cfg, sh);
    wg = sh.NB * sh.R; // rows per workgroup
  } else {
    wg = wgFor(d.Tq);
    kernel = forwardV1(cfg, wg);
  }
  const buffers = [d.q.buffer, d.k.buffer, d.v.buffer, ...(d.mask ? [d.mask] : []), d.out.buffer, d.stats];
  runtime().dispatch({
    kernel,
    buffers,
    params: params(d, cfg, { 0: d.q, 1: d.k, 2: d.v, 3: d.out }, sh?.R),
    workgroups: attnGrid(d.Tq, wg, d.B * d.H),
  });
}

export interface AttnBwdArgs extends AttnDims {
  q: AttnView; k: AttnView; v: AttnView; out: AttnView; dout: AttnView;
  /** The forward's stats buffer; its second half receives D = rowsum(dO ∘ O). */
  stats: GPUBuffer;
  /** dq may be omitted; dk and dv come from one kernel, omitted when both are. */
  dq?: AttnView; dk?: AttnView; dv?: AttnView;
}

export function attentionBackward(d: AttnBwdArgs): void {
  const rt = runtime();
  if (d.B * d.H === 0) return;
  const present = [d.q, d.k, d.v, d.out, d.dout, d.dq, d.dk, d.dv].filter((x): x is AttnView => !!x);
  const cfg = config(d, present);
  const mask = d.mask ? [d.mask] : [];
  // The dq kernel also writes D, which the dk/dv kernel reads: with dq unwanted, write it to scratch.
  const dq = d.dq ?? (d.Tq > 0 ? scratchView(d.B * d.H * d.Tq * d.D, d.Tq, d.H, d.D) : undefined);
  const v = attentionVariant();
  const sg = v === 'v3' || v === 'v4';
  if (dq && d.Tq > 0) {
    const sh = sg ? sgShape(d.Tq, v) : null;
    const wg = sh ? sh.NB * sh.R : wgFor(d.Tq);
    rt.dispatch({
      kernel: sh ? (v === 'v3' ? backwardDqV3 : backwardDqV4)(cfg, sh) : backwardDqV1(cfg, wg),
      buffers: [d.q.buffer, d.k.buffer, d.v.buffer, d.out.buffer, d.dout.buffer, ...mask, dq.buffer, d.stats],
      params: params(d, cfg, { 0: d.q, 1: d.k, 2: d.v, 3: d.out, 4: d.dout, 5: dq }, sh?.R),
      workgroups: attnGrid(d.Tq, wg, d.B * d.H),
    });
    if (!d.dq) rt.free(dq.buffer);
  }
  if ((d.dk || d.dv) && d.Tk > 0) {
    const n = d.B * d.H * d.Tk * d.D;
    const dk = d.dk ?? scratchView(n, d.Tk, d.H, d.D);
    const dv = d.dv ?? scratchView(n, d.Tk, d.H, d.D);
    const sh = sg ? sgShape(d.Tk, v) : null;
    const wg = sh ? sh.NB * sh.R : wgFor(d.Tk);
    rt.dispatch({
      kernel: sh ? (v === 'v3' ? backwardDkvV3 : backwardDkvV4)(cfg, sh) : backwardDkvV1(cfg, wg),
      buffers: [d.q.buffer, d.k.buffer, d.v.buffer, d.dout.buffer, ...mask, d.stats, dk.buffer, dv.buffer],
      params: params(d, cfg, { 0: d.q, 1: d.k, 2: d.v, 4: d.dout, 6: dk, 7: dv }, sh?.R),
      workgroups: attnGrid(d.Tk, wg, d.B * d.H),
    });
    if (!d.dk) rt.free(dk.buffer);
    if (!d.dv) rt.free(dv.buffer);
  }
}

/** A contiguous [B, H, T, D] scratch view (pooled; freed right after its dispatch is recorded). */
function scratchView(n: number, T: number, H: number, D: number): AttnView {
  return { buffer: runtime().alloc(Math.max(4, n * 4), 'attention scratch'), offset: 0, strides: [H * T * D, T * D, D] };
}
