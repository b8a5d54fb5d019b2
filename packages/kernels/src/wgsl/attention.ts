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
// Tq - Tk rows see no key and behave like all-padded rows. Optional dropout on the probabilities
// uses Philox counters (offset + row * ceil(Tk/4) + j/4, word j%4; stream 0), regenerated in backward.
//
// Variants (attention-common.ts has the interface; others join through registerVariant,
// `@jepa/kernels/variants`; benchmarks/variants/ has the superseded ones and the harness,
// `pnpm bench:variants attention`):
//   subgroupRows (attention-subgroup-rows.ts): a subgroup shares a block of rows, lanes split the
//     head dim, a transposing reduction gives each lane one row's softmax. CPU rasterizers with fixed
//     subgroups of <= 16 lanes, where it beats the unfused ops (`pnpm bench:variants attention`).
//   tiledShared (attention-tiled-shared.ts): K/V tiles in workgroup memory for the forward, a row per
//     invocation for the backward. Every other adapter (untested on real GPUs here).
import { Params, runtime } from '../runtime.ts';
import { forcedVariant } from '../variants.ts';
import { attnGrid, type AttentionKernels, type AttnCfg, type AttnLaunch } from './attention-common.ts';
import { subgroupRows, subgroupRowsSize } from './attention-subgroup-rows.ts';
import { tiledShared } from './attention-tiled-shared.ts';

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

export type AttentionVariant = 'subgroupRows' | 'tiledShared';
export const ATTENTION_VARIANTS: readonly AttentionVariant[] = ['subgroupRows', 'tiledShared'];

/** A variant for the device's fixed subgroup size (null without one); throws when it cannot run. */
export type AttentionVariantFactory = (subgroupSize: number | null) => AttentionKernels;

const ADDED = new Map<string, AttentionVariantFactory>();
/** Stores a design added from outside (registerVariant in variants-api.ts checks the name first). */
export function addAttentionDesign(name: string, make: AttentionVariantFactory): void {
  ADDED.set(name, make);
}
/** The designs added from outside, in the order they were first added. */
export const addedAttentionDesigns = (): readonly string[] => [...ADDED.keys()];

const VARIANTS = new Map<AttentionVariant, AttentionVariantFactory>([
  [
    'subgroupRows',
    (S) => {
      const ok = subgroupRowsSize({ subgroupSize: S });
      if (!ok) throw new Error(`attention subgroupRows: needs fixed subgroups of 4..16 lanes, got ${S ?? 'none'}`);
      return subgroupRows(ok);
    },
  ],
  ['tiledShared', () => tiledShared],
]);

/** The variant the device runs: forced (tests, harness), else by adapter. */
export function attentionVariant(): string {
  const info = runtime().gpu.info;
  return (
    forcedVariant('attention', [...ATTENTION_VARIANTS, ...ADDED.keys()]) ??
    (info.isCpu && subgroupRowsSize(info) ? 'subgroupRows' : 'tiledShared')
  );
}

function kernels(): AttentionKernels {
  const name = attentionVariant();
  // A built-in design, else one added through registerVariant (built-in names cannot be taken).
  const make = VARIANTS.get(name as AttentionVariant) ?? ADDED.get(name)!;
  return make(runtime().gpu.info.subgroupSize);
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

function params(d: AttnDims, cfg: AttnCfg, views: Partial<Record<number, AttnView>>, pad: number): Params {
  const p = new Params().u32(d.B).u32(d.H).u32(d.Tq).u32(d.Tk).f32(d.scale);
  const dp = cfg.drop ? d.dropout!.p : 0;
  const seed = d.dropout?.seed ?? 0;
  p.f32(dp)
    .f32(dp < 1 ? 1 / (1 - dp) : 0)
    .u32(seed >>> 0)
    .u32(Math.floor(seed / 2 ** 32) >>> 0)
    .u32((d.dropout?.offset ?? 0) >>> 0)
    .u32(Math.ceil(d.Tk / 4))
    .u32(pad);
  const unit = cfg.vec ? 4 : 1;
  for (let i = 0; i < 8; i++) {
    const v = views[i];
    p.u32(v ? v.offset / unit : 0);
    for (let s = 0; s < 3; s++) p.u32(v ? v.strides[s] / unit : 0);
  }
  return p;
}

/** Forward: out (a view) and stats, a [2 * B*H*Tq] f32 buffer whose first half gets the logsumexp. */
export function attentionForward(
  d: AttnDims & { q: AttnView; k: AttnView; v: AttnView; out: AttnView; stats: GPUBuffer },
): void {
  if (d.B * d.H * d.Tq === 0) return;
  const cfg = config(d, [d.q, d.k, d.v, d.out]);
  const L: AttnLaunch = kernels().forward(cfg, d.Tq);
  runtime().dispatch({
    kernel: L.kernel,
    buffers: [d.q.buffer, d.k.buffer, d.v.buffer, ...(d.mask ? [d.mask] : []), d.out.buffer, d.stats],
    params: params(d, cfg, { 0: d.q, 1: d.k, 2: d.v, 3: d.out }, L.pad),
    workgroups: attnGrid(d.Tq, L.rowsPerGroup, d.B * d.H),
  });
}

export interface AttnBwdArgs extends AttnDims {
  q: AttnView;
  k: AttnView;
  v: AttnView;
  out: AttnView;
  dout: AttnView;
  /** The forward's stats buffer; its second half receives D = rowsum(dO ∘ O). */
  stats: GPUBuffer;
  /** dq may be omitted; dk and dv come from one kernel, omitted when both are. */
  dq?: AttnView;
  dk?: AttnView;
  dv?: AttnView;
}

export function attentionBackward(d: AttnBwdArgs): void {
  const rt = runtime();
  if (d.B * d.H === 0) return;
  const present = [d.q, d.k, d.v, d.out, d.dout, d.dq, d.dk, d.dv].filter((x): x is AttnView => !!x);
  const cfg = config(d, present);
  const mask = d.mask ? [d.mask] : [];
  // The dq kernel also writes D, which the dk/dv kernel reads: with dq unwanted, write it to scratch.
  const dq = d.dq ?? (d.Tq > 0 ? scratchView(d.B * d.H * d.Tq * d.D, d.Tq, d.H, d.D) : undefined);
  const K = kernels();
  if (dq && d.Tq > 0) {
    const L = K.dq(cfg, d.Tq);
    rt.dispatch({
      kernel: L.kernel,
      buffers: [d.q.buffer, d.k.buffer, d.v.buffer, d.out.buffer, d.dout.buffer, ...mask, dq.buffer, d.stats],
      params: params(d, cfg, { 0: d.q, 1: d.k, 2: d.v, 3: d.out, 4: d.dout, 5: dq }, L.pad),
      workgroups: attnGrid(d.Tq, L.rowsPerGroup, d.B * d.H),
    });
    if (!d.dq) rt.free(dq.buffer);
  }
  if ((d.dk || d.dv) && d.Tk > 0) {
    const n = d.B * d.H * d.Tk * d.D;
    const dk = d.dk ?? scratchView(n, d.Tk, d.H, d.D);
    const dv = d.dv ?? scratchView(n, d.Tk, d.H, d.D);
    const L = K.dkv(cfg, d.Tk);
    rt.dispatch({
      kernel: L.kernel,
      buffers: [d.q.buffer, d.k.buffer, d.v.buffer, d.dout.buffer, ...mask, d.stats, dk.buffer, dv.buffer],
      params: params(d, cfg, { 0: d.q, 1: d.k, 2: d.v, 4: d.dout, 6: dk, 7: dv }, L.pad),
      workgroups: attnGrid(d.Tk, L.rowsPerGroup, d.B * d.H),
    });
    if (!d.dk) rt.free(dk.buffer);
    if (!d.dv) rt.free(dv.buffer);
  }
}

/** A contiguous [B, H, T, D] scratch view (pooled; freed right after its dispatch is recorded). */
function scratchView(n: number, T: number, H: number, D: number): AttnView {
  return {
    buffer: runtime().alloc(Math.max(4, n * 4), 'attention scratch'),
    offset: 0,
    strides: [H * T * D, T * D, D],
  };
}
