// Fused AdamW over flat f32 chunks (torch.optim.AdamW semantics, amsgrad off), one dispatch per chunk:
//   g = grad · gradScale · clip;  p -= lr·wd·p;  m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
//   p -= (lr / (1 - β1^t)) · m / (sqrt(v) / sqrt(1 - β2^t) + eps)          (t = step, 1-based)
// Clipping without a readback: with `normBuf` (first f32 = L2 norm of the raw grads, e.g. from
// gradNormInto() below) and `maxNorm`, clip = min(1, maxNorm / (gradScale·norm + 1e-6)), computed in the
// kernel — i.e. torch's clip_grad_norm_ applied to the scaled gradient gradScale·grad.
// Bias corrections are folded on the host in float64 and passed as f32 constants.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { gridKernel, kernel, grid, WG } from './common.ts';

// Each thread updates PER_THREAD elements, strided by the grid size (coalesced): on llvmpipe the
// per-invocation overhead dominates a thread per element. Where the four ranges
// start 16-byte aligned, the bulk runs on vec4s (a storage load is a per-lane loop on llvmpipe, so a
// vec4 costs about what a scalar does) and the last n mod 4 elements in a scalar dispatch.
const PER_THREAD = 8;
const PER_THREAD4 = 4;

function adamwKernel(clip: boolean, vec4: boolean): Kernel {
  const T = vec4 ? 'vec4<f32>' : 'f32';
  return gridKernel({
    name: `adamw${clip ? '_clip' : ''}${vec4 ? '4' : ''}`,
    key: `adamw|${clip}|${vec4}`,
    bindings: [['param', T, 'rw'], ['grad', T], ['m', T, 'rw'], ['v', T, 'rw'], clip && ['normBuf', 'f32']],
    params:
      'n: u32, decay: f32, stepSize: f32, b1: f32, b2: f32, invSqrtBc2: f32, eps: f32, gradScale: f32, maxNorm: f32, po: u32, go: u32, mo: u32, vo: u32',
    body: () => `  ${clip ? 'let gs = p.gradScale * min(1.0, p.maxNorm / (p.gradScale * normBuf[0] + 1e-6));' : 'let gs = p.gradScale;'}
  let T = nwg.x * nwg.y * ${WG}u; // threads launched
  for (var i = idx; i < p.n; i += T) {
    let g = grad[p.go + i] * gs;
    let mi = p.b1 * m[p.mo + i] + (1.0 - p.b1) * g;
    let vi = p.b2 * v[p.vo + i] + (1.0 - p.b2) * g * g;
    m[p.mo + i] = mi;
    v[p.vo + i] = vi;
    param[p.po + i] = param[p.po + i] * p.decay - p.stepSize * mi / (sqrt(vi) * p.invSqrtBc2 + p.eps);
  }`,
  });
}

export interface AdamWArgs {
  /** Flat f32 ranges of n elements: parameters and moments updated in place, grads read. */
  param: GPUBuffer;
  grad: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
  n: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count (after incrementing), for the bias corrections. */
  step: number;
  /** Multiplies the gradient first (e.g. 1 / accumulation steps or 1 / loss scale). */
  gradScale?: number;
  /** A buffer whose first f32 is the global L2 norm of the raw grads; with maxNorm, clips in-kernel. */
  normBuf?: GPUBuffer;
  maxNorm?: number;
  /** Element offsets of the ranges in param, grad, m, v (default 0). */
  offsets?: readonly [number, number, number, number];
}

/** One AdamW step on one flat range, in one dispatch. */
export function adamw(a: AdamWArgs): void {
  if (!(a.step >= 1)) throw new Error(`adamw: step must be >= 1 (1-based), got ${a.step}`);
  if (a.n === 0) return;
  const clip = a.normBuf !== undefined && a.maxNorm !== undefined;
  if (a.normBuf !== undefined && a.maxNorm === undefined) throw new Error('adamw: normBuf given without maxNorm');
  if (clip && !(a.maxNorm! > 0)) throw new Error(`adamw: maxNorm must be > 0, got ${a.maxNorm}`);
  const bc1 = 1 - a.beta1 ** a.step;
  const bc2 = 1 - a.beta2 ** a.step;
  const offsets = a.offsets ?? [0, 0, 0, 0];
  const launch = (vec4: boolean, n: number, offs: readonly number[]) => {
    const params = new Params()
      .u32(n)
      .f32(1 - a.lr * a.weightDecay)
      .f32(a.lr / bc1)
      .f32(a.beta1)
      .f32(a.beta2)
      .f32(1 / Math.sqrt(bc2))
      .f32(a.eps)
      .f32(a.gradScale ?? 1)
      .f32(a.maxNorm ?? 0);
    for (const o of offs) params.u32(o);
    runtime().dispatch({
      kernel: adamwKernel(clip, vec4),
      buffers: clip ? [a.param, a.grad, a.m, a.v, a.normBuf!] : [a.param, a.grad, a.m, a.v],
      params,
      workgroups: grid(Math.ceil(n / (vec4 ? PER_THREAD4 : PER_THREAD))),
    });
  };
  const n4 = offsets.every((o) => o % 4 === 0) ? a.n >> 2 : 0;
  if (n4 > 0)
    launch(
      true,
      n4,
      offsets.map((o) => o / 4),
    );
  if (a.n > 4 * n4)
    launch(
      false,
      a.n - 4 * n4,
      offsets.map((o) => o + 4 * n4),
    );
}

// ---- global gradient norm over several flat chunks, on the GPU ------------------------------------
// Stage 1, per chunk: SUMSQ_THREADS threads each sum a strided slice (coalesced, no barriers) into
// their own partial. Stage 2: one workgroup adds all partials and writes sqrt into out[0].

const SUMSQ_THREADS = 4096;

const partialKernel: Kernel = gridKernel({
  name: 'sumsq_partials',
  key: 'adamw|sumsq',
  bindings: [
    ['x', 'f32'],
    ['part', 'f32', 'rw'],
  ],
  params: 'n: u32, base: u32',
  body: () => `  var s = 0.0;
  for (var i = idx; i < p.n; i += ${SUMSQ_THREADS}u) { let g = x[i]; s += g * g; }
  part[p.base + idx] = s;`,
});

const FWG = 256;
const sqrtSumKernel: Kernel = kernel({
  name: 'sqrt_sum',
  key: 'adamw|sqrtsum',
  bindings: [
    ['part', 'f32'],
    ['out', 'f32', 'rw'],
  ],
  code: () => `
struct P { n: u32 };
var<workgroup> sh: array<f32, ${FWG}>;
@compute @workgroup_size(${FWG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var s = 0.0;
  for (var i = lid.x; i < p.n; i += ${FWG}u) { s += part[i]; }
  sh[lid.x] = s;
  workgroupBarrier();
  for (var st = ${FWG / 2}u; st > 0u; st = st >> 1u) {
    if (lid.x < st) { sh[lid.x] += sh[lid.x + st]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { out[0] = sqrt(sh[0]); }
}`,
});

/** out[0] = sqrt(Σ_chunks Σ_i x[i]²) over flat f32 chunks (each at offset 0): 1 + chunks.length dispatches. */
export function gradNormInto(chunks: readonly { buffer: GPUBuffer; n: number }[], out: GPUBuffer): void {
  const rt = runtime();
  const total = Math.max(1, chunks.length) * SUMSQ_THREADS;
  const part = rt.alloc(total * 4, 'grad-norm partials');
  chunks.forEach((c, k) => {
    rt.dispatch({
      kernel: partialKernel,
      buffers: [c.buffer, part],
      params: new Params().u32(c.n).u32(k * SUMSQ_THREADS),
      workgroups: grid(SUMSQ_THREADS),
    });
  });
  rt.dispatch({
    kernel: sqrtSumKernel,
    buffers: [part, out],
    params: new Params().u32(chunks.length * SUMSQ_THREADS),
    workgroups: [1],
  });
  rt.free(part);
}
