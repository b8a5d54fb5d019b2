// LayerNorm over the last dim of a contiguous [N, D] matrix. Forward writes y and the per-row
// mean and rstd (for backward); backward gives dx per row, and dweight/dbias as column sums done in
// two steps (per-chunk-of-rows partials, then a sum over chunks) so that wide and tall inputs both
// keep every core busy.
//
// Two row strategies: 'row' (one invocation walks a whole row: no barriers, no workgroup memory —
// best on llvmpipe, which runs invocations as SIMD lanes of a CPU thread) and 'wg' (a workgroup
// per row with a tree reduction in workgroup memory — the usual choice on real GPUs).
// On llvmpipe 'row' beats 'wg' several times over, and the fused op the composed ones by more
// (`pnpm bench:variants layernorm`).
import { Params, runtime, type Kernel } from '../runtime.ts';
import { forcedVariant } from '../variants.ts';
import { gridKernel, kernel, grid, type Binding, wgSumWgsl } from './common.ts';

export type LayerNormVariant = 'row' | 'wg';

const WGR = 64; // invocations per row in the 'wg' variant

const FWD_P = 'N: u32, D: u32, eps: f32';
const fwdBindings = (T: string): Binding[] => [
  ['x', T],
  ['w', T],
  ['b', T],
  ['y', T, 'rw'],
  ['mean', 'f32', 'rw'],
  ['rstd', 'f32', 'rw'],
];

/** The row variant's element type (vec4 when D % 4 == 0) and horizontal sum. */
const rowTypes = (vw: 1 | 4) => ({
  T: vw === 4 ? 'vec4<f32>' : 'f32',
  hsum: vw === 4 ? (e: string) => `dot(${e}, vec4<f32>(1.0))` : (e: string) => e,
});

/** A thread per row of D (64 rows per workgroup). */
const rowKernel = (name: string, key: string, bindings: Binding[], params: string, body: () => string): Kernel =>
  gridKernel({ name, key, bindings, params, count: 'p.N', wg: 64, body });

// Statistics in one pass over values shifted by the row's first element: sums of (x - x0) and
// (x - x0)^2 do not cancel catastrophically when |mean| >> std, unlike raw sum/sumsq.
// With D % 4 == 0 rows are read as vec4 (half the time of scalar loads on llvmpipe).
function fwdRow(vw: 1 | 4): Kernel {
  const { T, hsum } = rowTypes(vw);
  return rowKernel(
    `layernorm_fwd_row${vw}`,
    `layernorm|fwd|row|${vw}`,
    fwdBindings(T),
    FWD_P,
    () => `  let Dv = p.D / ${vw}u;
  let base = idx * Dv;
  let x0 = ${vw === 4 ? 'x[base].x' : 'x[base]'};
  var s = ${T}(0.0);
  var ss = ${T}(0.0);
  for (var c = 0u; c < Dv; c++) {
    let v = x[base + c] - x0;
    s += v;
    ss += v * v;
  }
  let inv = 1.0 / f32(p.D);
  let ms = ${hsum('s')} * inv;
  let mu = x0 + ms;
  let r = inverseSqrt(max(${hsum('ss')} * inv - ms * ms, 0.0) + p.eps);
  mean[idx] = mu;
  rstd[idx] = r;
  for (var c = 0u; c < Dv; c++) {
    y[base + c] = (x[base + c] - mu) * r * w[c] + b[c];
  }`,
  );
}

const WG_MAIN = `
@compute @workgroup_size(${WGR})
fn main(@builtin(local_invocation_id) l3: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = l3.x;
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.N) { return; } // uniform across the workgroup
  let base = row * p.D;`;

/** A workgroup of WGR per row (the row in `row`, its offset in `base`, wgSum over vec2). */
const wgRowKernel = (name: string, key: string, bindings: Binding[], params: string, body: () => string): Kernel =>
  kernel({
    name,
    key,
    bindings,
    code: () => `
struct P { ${params} };
${wgSumWgsl('vec2<f32>', WGR)}
${WG_MAIN}
${body()}
}`,
  });

const fwdWg: Kernel = wgRowKernel(
  'layernorm_fwd_wg',
  'layernorm|fwd|wg',
  fwdBindings('f32'),
  FWD_P,
  () => `
  let x0 = x[base];
  var acc = vec2<f32>(0.0);
  for (var c = lid; c < p.D; c += ${WGR}u) {
    let v = x[base + c] - x0;
    acc += vec2<f32>(v, v * v);
  }
  let t = wgSum(acc, lid);
  let inv = 1.0 / f32(p.D);
  let ms = t.x * inv;
  let mu = x0 + ms;
  let r = inverseSqrt(max(t.y * inv - ms * ms, 0.0) + p.eps);
  if (lid == 0u) { mean[row] = mu; rstd[row] = r; }
  for (var c = lid; c < p.D; c += ${WGR}u) {
    y[base + c] = (x[base + c] - mu) * r * w[c] + b[c];
  }`,
);

const BWD_P = 'N: u32, D: u32';
const bwdBindings = (T: string): Binding[] => [
  ['g', T],
  ['x', T],
  ['w', T],
  ['mean', 'f32'],
  ['rstd', 'f32'],
  ['dx', T, 'rw'],
];

// dx = rstd * (g*w - mean(g*w) - xhat * mean(g*w*xhat)); with xhat = (x - mu) * r the last term
// is (x - mu) * bb, bb = r^2 * sum(g*w*(x - mu)) / D.
function bwdRow(vw: 1 | 4): Kernel {
  const { T, hsum } = rowTypes(vw);
  return rowKernel(
    `layernorm_bwd_dx_row${vw}`,
    `layernorm|bwd|row|${vw}`,
    bwdBindings(T),
    BWD_P,
    () => `  let Dv = p.D / ${vw}u;
  let base = idx * Dv;
  let mu = mean[idx];
  let r = rstd[idx];
  var s1 = ${T}(0.0);
  var s2 = ${T}(0.0);
  for (var c = 0u; c < Dv; c++) {
    let gw = g[base + c] * w[c];
    s1 += gw;
    s2 += gw * (x[base + c] - mu);
  }
  let inv = 1.0 / f32(p.D);
  let a = ${hsum('s1')} * inv;
  let bb = ${hsum('s2')} * r * r * inv;
  for (var c = 0u; c < Dv; c++) {
    dx[base + c] = r * (g[base + c] * w[c] - a - (x[base + c] - mu) * bb);
  }`,
  );
}

const bwdWg: Kernel = wgRowKernel(
  'layernorm_bwd_dx_wg',
  'layernorm|bwd|wg',
  bwdBindings('f32'),
  BWD_P,
  () => `
  let mu = mean[row];
  let r = rstd[row];
  var acc = vec2<f32>(0.0);
  for (var c = lid; c < p.D; c += ${WGR}u) {
    let gw = g[base + c] * w[c];
    acc += vec2<f32>(gw, gw * (x[base + c] - mu));
  }
  let t = wgSum(acc, lid);
  let inv = 1.0 / f32(p.D);
  let a = t.x * inv;
  let bb = t.y * r * r * inv;
  for (var c = lid; c < p.D; c += ${WGR}u) {
    dx[base + c] = r * (g[base + c] * w[c] - a - (x[base + c] - mu) * bb);
  }`,
);

// Column partials: invocation (column group c, chunk k) sums g*xhat and g over rows
// [k*R, (k+1)*R) for vw adjacent columns. Adjacent invocations read adjacent columns; the row's
// mean/rstd are the same for all of them. The partials are written as [K, D] f32.
function paramPartial(vw: 1 | 4): Kernel {
  const T = vw === 4 ? 'vec4<f32>' : 'f32';
  return kernel({
    name: `layernorm_bwd_dwdb_partial${vw}`,
    key: `layernorm|bwd|dwdb|${vw}`,
    bindings: [
      ['g', T],
      ['x', T],
      ['mean', 'f32'],
      ['rstd', 'f32'],
      ['pw', T, 'rw'],
      ['pb', T, 'rw'],
    ],
    code: () => `
struct P { N: u32, D: u32, R: u32 };
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let Dv = p.D / ${vw}u;
  let c = gid.x;
  let k = gid.y;
  if (c >= Dv) { return; }
  let r0 = k * p.R;
  let r1 = min(r0 + p.R, p.N);
  var sw = ${T}(0.0);
  var sb = ${T}(0.0);
  for (var r = r0; r < r1; r++) {
    let gv = g[r * Dv + c];
    sw += gv * (x[r * Dv + c] - mean[r]) * rstd[r];
    sb += gv;
  }
  pw[k * Dv + c] = sw;
  pb[k * Dv + c] = sb;
}`,
  });
}

const paramFinal: Kernel = gridKernel({
  name: 'layernorm_bwd_dwdb_final',
  key: 'layernorm|bwd|dwdb_final',
  bindings: [
    ['pw', 'f32'],
    ['pb', 'f32'],
    ['dw', 'f32', 'rw'],
    ['db', 'f32', 'rw'],
  ],
  params: 'K: u32, D: u32',
  count: 'p.D',
  wg: 64,
  body: () => `  var sw = 0.0;
  var sb = 0.0;
  for (var k = 0u; k < p.K; k++) {
    sw += pw[k * p.D + idx];
    sb += pb[k * p.D + idx];
  }
  dw[idx] = sw;
  db[idx] = sb;`,
});

export const LAYER_NORM_VARIANTS: readonly LayerNormVariant[] = ['row', 'wg'];

function variant(): LayerNormVariant {
  return forcedVariant('layernorm', LAYER_NORM_VARIANTS) ?? (runtime().gpu.info.isCpu ? 'row' : 'wg');
}

function rowGroups(v: LayerNormVariant, N: number): [number, number, number] {
  return v === 'row' ? grid(N, 64) : grid(N, 1);
}

export interface LayerNormFwdArgs {
  x: GPUBuffer;
  weight: GPUBuffer;
  bias: GPUBuffer;
  y: GPUBuffer;
  mean: GPUBuffer;
  rstd: GPUBuffer;
  N: number;
  D: number;
  eps: number;
}

export function layerNormForward(a: LayerNormFwdArgs): void {
  if (a.N === 0 || a.D === 0) return;
  const v = variant();
  runtime().dispatch({
    kernel: v === 'row' ? fwdRow(a.D % 4 === 0 ? 4 : 1) : fwdWg,
    buffers: [a.x, a.weight, a.bias, a.y, a.mean, a.rstd],
    params: new Params().u32(a.N).u32(a.D).f32(a.eps),
    workgroups: rowGroups(v, a.N),
  });
}

export interface LayerNormBwdArgs {
  g: GPUBuffer;
  x: GPUBuffer;
  weight: GPUBuffer;
  mean: GPUBuffer;
  rstd: GPUBuffer;
  /** Any of the three may be omitted when that gradient is not needed. */
  dx?: GPUBuffer;
  dweight?: GPUBuffer;
  dbias?: GPUBuffer;
  N: number;
  D: number;
}

/** Rows per partial chunk: enough chunks to fill the machine, long enough chunks to amortise. */
export function layerNormChunkRows(N: number, D: number): number {
  const target = 32768; // invocations wanted in the partial pass
  const chunks = Math.max(1, Math.min(Math.ceil(N / 16), Math.ceil(target / Math.max(D, 1))));
  return Math.ceil(N / chunks);
}

export function layerNormBackward(a: LayerNormBwdArgs): void {
  const rt = runtime();
  if (a.N === 0 || a.D === 0) return;
  if (a.dx) {
    const v = variant();
    rt.dispatch({
      kernel: v === 'row' ? bwdRow(a.D % 4 === 0 ? 4 : 1) : bwdWg,
      buffers: [a.g, a.x, a.weight, a.mean, a.rstd, a.dx],
      params: new Params().u32(a.N).u32(a.D),
      workgroups: rowGroups(v, a.N),
    });
  }
  if (!a.dweight && !a.dbias) return;
  const vw = a.D % 4 === 0 ? 4 : 1;
  const R = layerNormChunkRows(a.N, a.D / vw);
  const K = Math.ceil(a.N / R);
  const pw = K === 1 && a.dweight ? a.dweight : rt.alloc(K * a.D * 4, 'layernorm dweight partials');
  const pb = K === 1 && a.dbias ? a.dbias : rt.alloc(K * a.D * 4, 'layernorm dbias partials');
  rt.dispatch({
    kernel: paramPartial(vw),
    buffers: [a.g, a.x, a.mean, a.rstd, pw, pb],
    params: new Params().u32(a.N).u32(a.D).u32(R),
    workgroups: [Math.ceil(a.D / vw / 64), K, 1],
  });
  if (K > 1) {
    const dw = a.dweight ?? rt.alloc(a.D * 4, 'layernorm dweight (unused)');
    const db = a.dbias ?? rt.alloc(a.D * 4, 'layernorm dbias (unused)');
    rt.dispatch({
      kernel: paramFinal,
      buffers: [pw, pb, dw, db],
      params: new Params().u32(K).u32(a.D),
      workgroups: grid(a.D, 64),
    });
    if (!a.dweight) rt.free(dw);
    if (!a.dbias) rt.free(db);
  }
  // Freed buffers go back to the pool; later users are ordered after these dispatches.
  if (pw !== a.dweight) rt.free(pw);
  if (pb !== a.dbias) rt.free(pb);
}
