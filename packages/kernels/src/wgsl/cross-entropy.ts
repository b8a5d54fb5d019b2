// Fused cross-entropy over rows of logits [N, C] with i32 targets [N]:
//   forward: per row, the log-sum-exp in one pass (online max/sum) — a thread per row, or a workgroup per
//            row for long rows (see chooseVariant) — then
//            loss_i = lse_i - x[i, t_i] (0 for ignored rows) and lse_i; one workgroup then averages over
//            the non-ignored rows (0 when there are none — no NaN) and records that count.
//   backward: elementwise, d x[i, c] = g / count · (exp(x[i, c] - lse_i) - [c = t_i]), 0 on ignored rows.
// A target outside [0, C) that is not ignoreIndex makes its row's loss and gradient NaN (torch raises;
// a GPU kernel cannot, and NaN keeps the mistake visible).
import { Params, runtime, type Kernel } from '../runtime.ts';
import { forcedVariant } from '../variants.ts';
import { sumKernel, gridKernel, kernel, grid } from './common.ts';

const NAN_BITS = 0x7fc00000;

export type CrossEntropyVariant = 'row' | 'wg32' | 'wg256';
export const CROSS_ENTROPY_VARIANTS: readonly CrossEntropyVariant[] = ['row', 'wg32', 'wg256'];

/** 'row': a thread per row, no barriers; 'wgK': K threads share a row and combine through workgroup memory. */
function chooseVariant(C: number): CrossEntropyVariant {
  const forced = forcedVariant('crossEntropy', CROSS_ENTROPY_VARIANTS);
  if (forced) return forced;
  // CPU rasterizers: barriers cost more than walking the row (measured on llvmpipe, C = 3 … 30522).
  if (runtime().gpu.info.isCpu) return 'row';
  return C >= 2048 ? 'wg256' : C >= 64 ? 'wg32' : 'row';
}

const LSE_STEP = `if (v > m) { s = s * exp(m - v) + 1.0; m = v; } else { s += exp(v - m); }`;

function forwardKernel(variant: CrossEntropyVariant): Kernel {
  const wg = variant === 'row' ? 64 : variant === 'wg32' ? 32 : 256;
  const shared = variant !== 'row';
  const body = shared
    ? `
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) { return; } // uniform across the workgroup, so the barriers below are safe
  let base = row * p.C;
  var m = -3.4028234e38;
  var s = 0.0;
  for (var c = lid.x; c < p.C; c += ${wg}u) { let v = x[base + c]; ${LSE_STEP} }
  shm[lid.x] = m;
  shs[lid.x] = s;
  workgroupBarrier();
  for (var st = ${wg / 2}u; st > 0u; st = st >> 1u) {
    if (lid.x < st) {
      let m2 = shm[lid.x + st];
      let mm = max(m, m2);
      s = s * exp(m - mm) + shs[lid.x + st] * exp(m2 - mm);
      m = mm;
      shm[lid.x] = m;
      shs[lid.x] = s;
    }
    workgroupBarrier();
  }
  if (lid.x != 0u) { return; }`
    : `
  let row = wid.x * ${wg}u + lid.x + wid.y * nwg.x * ${wg}u;
  if (row >= p.N) { return; }
  let base = row * p.C;
  var m = -3.4028234e38;
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { let v = x[base + c]; ${LSE_STEP} }`;
  return kernel({
    name: `cross_entropy_rows_${variant}`,
    key: `ce|rows|${variant}`,
    bindings: [
      ['x', 'f32'],
      ['t', 'i32'],
      ['lse', 'f32', 'rw'],
      ['loss', 'f32', 'rw'],
    ],
    code: () => `
struct P { N: u32, C: u32, ignore: i32, nanBits: u32 };
${
  shared
    ? `var<workgroup> shm: array<f32, ${wg}>;
var<workgroup> shs: array<f32, ${wg}>;`
    : ''
}
@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {${body}
  let l = m + log(s);
  lse[row] = l;
  let tt = t[row];
  var r = 0.0;
  if (tt != p.ignore) {
    r = bitcast<f32>(p.nanBits);
    if (tt >= 0 && u32(tt) < p.C) { r = l - x[base + u32(tt)]; }
  }
  loss[row] = r;
}`,
  });
}

const FWG = 256;
const finalKernel: Kernel = sumKernel({
  name: 'cross_entropy_mean',
  key: 'ce|mean',
  bindings: [
    ['loss', 'f32'],
    ['t', 'i32'],
    ['out', 'f32', 'rw'],
    ['count', 'f32', 'rw'],
  ],
  params: 'N: u32, ignore: i32',
  T: 'vec2<f32>',
  wg: FWG,
  body: () => `  var acc = vec2<f32>(0.0);
  for (var i = lid; i < p.N; i += ${FWG}u) {
    if (t[i] != p.ignore) { acc += vec2<f32>(loss[i], 1.0); }
  }
  let r = wgSum(acc, lid);
  if (lid == 0u) {
    out[0] = select(0.0, r.x / max(r.y, 1.0), r.y > 0.0);
    count[0] = r.y;
  }`,
});

// A thread per (row, run of CHUNK columns) walks its run sequentially: on llvmpipe the
// per-invocation overhead dominates a thread per element, and the row's target, lse and
// scale are loaded once per run.
const CHUNK = 128;
const backwardKernel: Kernel = gridKernel({
  name: 'cross_entropy_backward',
  key: 'ce|backward',
  bindings: [
    ['x', 'f32'],
    ['t', 'i32'],
    ['lse', 'f32'],
    ['g', 'f32'],
    ['count', 'f32'],
    ['out', 'f32', 'rw'],
  ],
  params: 'N: u32, C: u32, ignore: i32, nanBits: u32, chunks: u32, chunk: u32',
  body: () => `  let row = idx / p.chunks;
  if (row >= p.N) { return; }
  let c0 = (idx - row * p.chunks) * p.chunk;
  let c1 = min(c0 + p.chunk, p.C);
  let base = row * p.C;
  let tt = t[row];
  if (tt == p.ignore) {
    for (var c = c0; c < c1; c++) { out[base + c] = 0.0; }
    return;
  }
  if (tt < 0 || u32(tt) >= p.C) {
    for (var c = c0; c < c1; c++) { out[base + c] = bitcast<f32>(p.nanBits); }
    return;
  }
  let scale = g[0] / count[0]; // count >= 1: this row counts
  let l = lse[row];
  for (var c = c0; c < c1; c++) { out[base + c] = scale * exp(x[base + c] - l); }
  if (u32(tt) >= c0 && u32(tt) < c1) { out[base + u32(tt)] -= scale; }`,
});

export interface CrossEntropyForwardArgs {
  /** Contiguous [N, C] f32 logits and [N] i32 targets. */
  logits: GPUBuffer;
  targets: GPUBuffer;
  N: number;
  C: number;
  ignoreIndex: number;
  /** Out: [N] per-row log-sum-exp (for the backward), the scalar mean loss, the non-ignored count (f32). */
  lse: GPUBuffer;
  out: GPUBuffer;
  count: GPUBuffer;
}

export function crossEntropyForward(a: CrossEntropyForwardArgs): void {
  const rt = runtime();
  const rowLoss = rt.alloc(Math.max(1, a.N) * 4, 'cross-entropy row losses');
  const variant = chooseVariant(a.C);
  const [gx, gy] = variant === 'row' ? grid(a.N, 64) : grid(a.N, 1);
  rt.dispatch({
    kernel: forwardKernel(variant),
    buffers: [a.logits, a.targets, a.lse, rowLoss],
    params: new Params().u32(a.N).u32(a.C).i32(a.ignoreIndex).u32(NAN_BITS),
    workgroups: [gx, gy],
  });
  rt.dispatch({
    kernel: finalKernel,
    buffers: [rowLoss, a.targets, a.out, a.count],
    params: new Params().u32(a.N).i32(a.ignoreIndex),
    workgroups: [1],
  });
  rt.free(rowLoss);
}

export interface CrossEntropyBackwardArgs {
  logits: GPUBuffer;
  targets: GPUBuffer;
  lse: GPUBuffer;
  count: GPUBuffer;
  /** Upstream gradient of the scalar loss: a one-element buffer. */
  g: GPUBuffer;
  /** Out: d logits [N, C]. */
  out: GPUBuffer;
  N: number;
  C: number;
  ignoreIndex: number;
}

export function crossEntropyBackward(a: CrossEntropyBackwardArgs): void {
  if (a.N === 0 || a.C === 0) return;
  const chunks = Math.ceil(a.C / CHUNK);
  runtime().dispatch({
    kernel: backwardKernel,
    buffers: [a.logits, a.targets, a.lse, a.g, a.count, a.out],
    params: new Params().u32(a.N).u32(a.C).i32(a.ignoreIndex).u32(NAN_BITS).u32(chunks).u32(CHUNK),
    workgroups: grid(a.N * chunks),
  });
}
