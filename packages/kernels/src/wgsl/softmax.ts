// Fused softmax / log-softmax over one axis of a strided tensor, forward and backward.
// A "row" is the set of elements along the axis; rows are enumerated over the other dims
// (<= 7) and each operand has its own strides there, so any axis, views and broadcast masks
// (stride 0) need no copy. Variants: 'row' (one invocation per row, no barriers: best on
// llvmpipe, with vec4 loads when the rows allow) and 'wg' (a
// workgroup per row with tree reductions: real GPUs, long rows).
// Entries whose shifted value is below -87 (exp underflows; -inf / -1e9 masks) get exactly 0;
// a row that is -inf everywhere gives softmax 0 and log-softmax -inf, never NaN.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { forcedVariant } from '../variants.ts';
import { kernel, grid, gridMain } from './common.ts';

export type SoftmaxMode = 'softmax' | 'log';
export type SoftmaxVariant = 'row' | 'wg';

/** A strided operand over the tensor's full shape. */
export interface RowOperand {
  buffer: GPUBuffer;
  strides: readonly number[];
  offset: number;
}

export interface SoftmaxArgs {
  mode: SoftmaxMode;
  x: RowOperand;
  /** Additive mask, strides over x's shape (0 where broadcast). */
  mask?: RowOperand;
  /** Contiguous output of x's shape. */
  out: GPUBuffer;
  shape: readonly number[];
  axis: number;
}

export interface SoftmaxBackwardArgs {
  mode: SoftmaxMode;
  /** The forward output (contiguous). */
  y: GPUBuffer;
  g: RowOperand;
  /** Contiguous gradient of x's shape. */
  dx: GPUBuffer;
  shape: readonly number[];
  axis: number;
}

const MAX_OUTER = 7;
const WGR = 128; // invocations per row in 'wg'
const WG_ROWS = 64; // rows per workgroup in 'row'
const NEG_MAX = '-3.4028234e38';

export const SOFTMAX_VARIANTS: readonly SoftmaxVariant[] = ['row', 'wg'];

function chooseVariant(N: number): SoftmaxVariant {
  const forced = forcedVariant('softmax', SOFTMAX_VARIANTS);
  if (forced) return forced;
  // CPU rasterizers: barriers cost more than the whole row (measured on llvmpipe).
  if (runtime().gpu.info.isCpu) return 'row';
  return N >= 256 ? 'wg' : 'row';
}

// Uniform: header of 8 u32, then the outer shape (innermost first) and 3 operands' strides there.
const STRUCT = `struct P { R: u32, N: u32, ax0: u32, ax1: u32, ax2: u32, off0: u32, off1: u32, pad: u32,
  shape: array<vec4<u32>, 2>, st0: array<vec4<u32>, 2>, st1: array<vec4<u32>, 2>, st2: array<vec4<u32>, 2> };`;

// Row index -> base offsets o0..o(n-1) (element i of the row is at oK + i * axK); vec4 operands
// are indexed in units of 4.
function rowBases(n: number, vec: boolean): string {
  let s = `  var rem = row;\n`;
  for (let k = 0; k < n; k++) s += `  var o${k} = ${k < 2 ? `p.off${k}` : '0u'};\n`;
  s += `  for (var d = 0u; d < ${MAX_OUTER}u; d++) {
    let dim = p.shape[d >> 2u][d & 3u]; let c = rem % dim; rem = rem / dim;\n`;
  for (let k = 0; k < n; k++) s += `    o${k} += c * p.st${k}[d >> 2u][d & 3u];\n`;
  s += `  }\n`;
  if (vec) for (let k = 0; k < n; k++) s += `  o${k} = o${k} >> 2u;\n`;
  return s;
}

interface Shape {
  T: string; // element type
  n: string; // loop bound
  at: (k: number) => string; // index of element i of operand k
  hmax: (e: string) => string;
  hsum: (e: string) => string;
  zero: string;
  lim: string;
}

const SCALAR: Shape = {
  T: 'f32',
  n: 'p.N',
  at: (k) => `o${k} + i * p.ax${k}`,
  hmax: (e) => e,
  hsum: (e) => e,
  zero: '0.0',
  lim: '-87.0',
};
const VEC4: Shape = {
  T: 'vec4<f32>',
  n: '(p.N >> 2u)',
  at: (k) => `o${k} + i`,
  hmax: (e) => `max(max(${e}.x, ${e}.y), max(${e}.z, ${e}.w))`,
  hsum: (e) => `dot(${e}, vec4<f32>(1.0))`,
  zero: 'vec4<f32>(0.0)',
  lim: 'vec4<f32>(-87.0)',
};

// Loop bounds and reductions: a thread walks its row, or a workgroup shares it and combines
// partials in workgroup memory.
function loops(v: SoftmaxVariant) {
  if (v === 'row') {
    return { start: '0u', step: '1u', decl: '', red: (name: string) => `let ${name}r = ${name};` };
  }
  return {
    start: 'lid',
    step: `${WGR}u`,
    decl: `var<workgroup> sh: array<f32, ${WGR}>;`,
    red: (name: string, comb = (a: string, b: string) => `${a} + ${b}`) => `sh[lid] = ${name};
  workgroupBarrier();
  for (var s = ${WGR / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = ${comb('sh[lid]', 'sh[lid + s]')}; }
    workgroupBarrier();
  }
  let ${name}r = sh[0];
  workgroupBarrier();`,
  };
}

function entry(v: SoftmaxVariant): string {
  if (v === 'row') return `${gridMain(WG_ROWS)}\n  let row = idx;\n  if (row >= p.R) { return; }`;
  // `row` is uniform per workgroup, so the early return keeps the barriers in uniform control flow.
  return `@compute @workgroup_size(${WGR})
fn main(@builtin(local_invocation_id) l: vec3<u32>, @builtin(workgroup_id) w: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let lid = l.x;
  let row = w.x + w.y * nwg.x;
  if (row >= p.R) { return; }`;
}

function forwardKernel(mode: SoftmaxMode, masked: boolean, v: SoftmaxVariant, vec: boolean): Kernel {
  const key = `softmax|${mode}|${masked}|${v}|${vec}`;
  const L = loops(v);
  const S = vec ? VEC4 : SCALAR;
  const val = masked ? `x[${S.at(0)}] + m[${S.at(1)}]` : `x[${S.at(0)}]`;
  const write =
    mode === 'softmax'
      ? `out[${S.at(2)}] = select(${S.zero}, exp(d), d > ${S.lim}) * inv;`
      : `out[${S.at(2)}] = select(d - lse, v, smr == 0.0);`; // an all -inf row keeps -inf
  return kernel({
    name: `${mode === 'log' ? 'log_' : ''}softmax${masked ? '_masked' : ''}_${v}${vec ? '4' : ''}`,
    key,
    bindings: [['x', S.T], masked && ['m', S.T], ['out', S.T, 'rw']],
    code: () => `${STRUCT}
${L.decl}
${entry(v)}
${rowBases(3, vec)}
  var mx = ${NEG_MAX};
  for (var i = ${L.start}; i < ${S.n}; i += ${L.step}) { let v = ${val}; mx = max(mx, ${S.hmax('v')}); }
  ${v === 'row' ? L.red('mx') : L.red('mx', (a, b) => `max(${a}, ${b})`)}
  // An all -inf row: shift by 0 so that d stays -inf instead of NaN.
  let shift = select(mxr, 0.0, mxr <= ${NEG_MAX});
  var sm = 0.0;
  for (var i = ${L.start}; i < ${S.n}; i += ${L.step}) {
    let d = ${val} - shift;
    sm += ${S.hsum(`select(${S.zero}, exp(d), d > ${S.lim})`)};
  }
  ${L.red('sm')}
  let inv = select(0.0, 1.0 / smr, smr > 0.0);
  let lse = log(smr);
  for (var i = ${L.start}; i < ${S.n}; i += ${L.step}) {
    let v = ${val};
    let d = v - shift;
    ${write}
  }
}`,
  });
}

function backwardKernel(mode: SoftmaxMode, v: SoftmaxVariant, vec: boolean): Kernel {
  const key = `softmax_bwd|${mode}|${v}|${vec}`;
  const L = loops(v);
  const S = vec ? VEC4 : SCALAR;
  // softmax: dx = y * (g - sum(g * y)); log-softmax: dx = g - exp(y) * sum(g).
  const acc = mode === 'softmax' ? `gv * y[${S.at(1)}]` : 'gv';
  const write = mode === 'softmax' ? `yv * (gv - gyr)` : `gv - exp(yv) * gyr`;
  return kernel({
    name: `${mode === 'log' ? 'log_' : ''}softmax_backward_${v}${vec ? '4' : ''}`,
    key,
    bindings: [
      ['g', S.T],
      ['y', S.T],
      ['dx', S.T, 'rw'],
    ],
    code: () => `${STRUCT}
${L.decl}
${entry(v)}
${rowBases(2, vec)}
  var gy = 0.0;
  for (var i = ${L.start}; i < ${S.n}; i += ${L.step}) { let gv = g[${S.at(0)}]; gy += ${S.hsum(acc)}; }
  ${L.red('gy')}
  for (var i = ${L.start}; i < ${S.n}; i += ${L.step}) {
    let gv = g[${S.at(0)}];
    let yv = y[${S.at(1)}];
    dx[${S.at(1)}] = ${write};
  }
}`,
  });
}

function contiguousStrides(shape: readonly number[]): number[] {
  const st: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d];
  }
  return st;
}

type Op = { strides: readonly number[]; offset: number };

/** vec4 access needs unit stride along the axis and 16-byte aligned row starts. */
function vecOk(shape: readonly number[], axis: number, ops: readonly Op[]): boolean {
  if (shape[axis] % 4 !== 0) return false;
  return ops.every(
    (o) =>
      o.offset % 4 === 0 &&
      o.strides[axis] === 1 &&
      o.strides.every((s, d) => d === axis || shape[d] === 1 || s % 4 === 0),
  );
}

/** Uniform for the rows of `shape` along `axis`. */
function rowParams(shape: readonly number[], axis: number, ops: readonly Op[]): { p: Params; R: number; N: number } {
  if (shape.length - 1 > MAX_OUTER) throw new Error(`softmax: rank ${shape.length} exceeds ${MAX_OUTER + 1}`);
  const N = shape[axis];
  const outerDims = shape
    .map((_, d) => d)
    .filter((d) => d !== axis)
    .reverse(); // innermost first
  const R = outerDims.reduce((a, d) => a * shape[d], 1);
  const p = new Params().u32(R).u32(N);
  for (let k = 0; k < 3; k++) p.u32(ops[k]?.strides[axis] ?? 0);
  p.u32(ops[0]?.offset ?? 0)
    .u32(ops[1]?.offset ?? 0)
    .u32(0);
  for (let d = 0; d < 8; d++) p.u32(d < outerDims.length ? shape[outerDims[d]] : 1);
  for (let k = 0; k < 3; k++) {
    for (let d = 0; d < 8; d++) p.u32(d < outerDims.length && ops[k] ? ops[k].strides[outerDims[d]] : 0);
  }
  return { p, R, N };
}

function dispatchRows(
  make: (v: SoftmaxVariant, vec: boolean) => Kernel,
  buffers: GPUBuffer[],
  shape: readonly number[],
  axis: number,
  ops: Op[],
): void {
  const { p, R, N } = rowParams(shape, axis, ops);
  if (R === 0 || N === 0) return;
  const v = chooseVariant(N);
  const vec = v === 'row' && vecOk(shape, axis, ops);
  runtime().dispatch({
    kernel: make(v, vec),
    buffers,
    params: p,
    workgroups: v === 'row' ? grid(R, WG_ROWS) : grid(R, 1),
  });
}

export function softmaxForward(a: SoftmaxArgs): void {
  const out = { strides: contiguousStrides(a.shape), offset: 0 };
  const buffers = a.mask ? [a.x.buffer, a.mask.buffer, a.out] : [a.x.buffer, a.out];
  // Without a mask, slot 1 is a placeholder that never blocks the vec4 path.
  const noMask = { strides: a.shape.map((_, d) => (d === a.axis ? 1 : 0)), offset: 0 };
  const ops = [a.x, a.mask ?? noMask, out];
  dispatchRows((v, vec) => forwardKernel(a.mode, !!a.mask, v, vec), buffers, a.shape, a.axis, ops);
}

export function softmaxBackward(a: SoftmaxBackwardArgs): void {
  const y = { strides: contiguousStrides(a.shape), offset: 0 };
  dispatchRows((v, vec) => backwardKernel(a.mode, v, vec), [a.g.buffer, a.y, a.dx], a.shape, a.axis, [a.g, y]);
}
