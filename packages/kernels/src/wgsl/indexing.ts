// Indexing kernels: index-select (embedding lookup) and its scatter-add backward, torch-style
// gather and scatter-add. Ids are i32; an id outside [0, size) reads 0 and is dropped when
// accumulating (the GPU cannot throw).
//
// The index-select backward is deterministic (no float atomics, fixed summation order): the
// positions are stably radix-sorted by id, then the first position of each id's run sums the
// run's gradient rows in ascending position order into dx, which was zeroed by a buffer copy.
import { Params, runtime, type Kernel, type Runtime } from '../runtime.ts';
import { fill } from './fill.ts';
import { gridKernel, kernel, grid, type WgslType } from './common.ts';

// ---- index select: out[a, j, b] = x[a, ids[j], b] over contiguous [A, N, B] ---------------

export interface IndexSelectArgs {
  x: GPUBuffer;
  ids: GPUBuffer;
  out: GPUBuffer;
  A: number;
  N: number;
  B: number;
  /** Number of ids. */
  n: number;
  dtype?: WgslType;
}

function selectKernel(dtype: WgslType, vw: 1 | 4): Kernel {
  const T = vw === 4 ? `vec4<${dtype}>` : dtype;
  return gridKernel({
    name: `index_select_${dtype}${vw === 4 ? '4' : ''}`,
    key: `index_select|${dtype}|${vw}`,
    bindings: [
      ['x', T],
      ['ids', 'i32'],
      ['out', T, 'rw'],
    ],
    params: 'total: u32, N: u32, Bv: u32, n: u32',
    count: 'p.total',
    body: () => `  let b = idx % p.Bv;
  let j = (idx / p.Bv) % p.n;
  let a = idx / (p.Bv * p.n);
  let id = u32(ids[j]); // negative ids wrap to huge values: out of range
  if (id < p.N) { out[idx] = x[(a * p.N + id) * p.Bv + b]; } else { out[idx] = ${T}(0); }`,
  });
}

export function indexSelectRows(a: IndexSelectArgs): void {
  const vw = a.B % 4 === 0 ? 4 : 1;
  const total = (a.A * a.n * a.B) / vw;
  if (total === 0) return;
  runtime().dispatch({
    kernel: selectKernel(a.dtype ?? 'f32', vw),
    buffers: [a.x, a.ids, a.out],
    params: new Params()
      .u32(total)
      .u32(a.N)
      .u32(a.B / vw)
      .u32(a.n),
    workgroups: grid(total),
  });
}

// ---- index select backward: dx[a, v, b] = sum over j with ids[j] = v of g[a, j, b] ----------

export interface IndexSelectBackwardArgs {
  /** Contiguous upstream gradient [A, n, B]. */
  g: GPUBuffer;
  ids: GPUBuffer;
  /** Contiguous [A, N, B]; fully written (untouched rows get 0). */
  dx: GPUBuffer;
  A: number;
  N: number;
  B: number;
  n: number;
}

// Stable LSD radix sort of the positions by id, 8 bits per pass. Keys are ids clamped to N, so
// out-of-range ids sort last and are skipped. Blocks of SORT_BLOCK positions: one invocation per
// block ranks its positions per digit (no barriers; cheap on llvmpipe and on GPUs alike).
const SORT_BLOCK = 256;

const rankKernel: Kernel = gridKernel({
  name: 'index_sort_rank',
  key: 'index_sort|rank',
  bindings: [
    ['keys', 'u32'],
    ['rank', 'u32', 'rw'],
    ['hist', 'u32', 'rw'],
  ],
  params: 'n: u32, shift: u32, nb: u32, N: u32',
  count: 'p.nb',
  wg: 64,
  body: () => `  var cnt: array<u32, 256>;
  let end = min(p.n, (idx + 1u) * ${SORT_BLOCK}u);
  for (var i = idx * ${SORT_BLOCK}u; i < end; i++) {
    let dg = (min(keys[i], p.N) >> p.shift) & 255u;
    rank[i] = cnt[dg];
    cnt[dg] += 1u;
  }
  for (var dg = 0u; dg < 256u; dg++) { hist[dg * p.nb + idx] = cnt[dg]; }`,
});

// hist[digit * nb + block] -> exclusive prefix over (digit, block): one workgroup, a digit each.
const scanKernel: Kernel = kernel({
  name: 'index_sort_scan',
  key: 'index_sort|scan',
  bindings: [['hist', 'u32', 'rw']],
  code: () => `
struct P { n: u32, shift: u32, nb: u32, N: u32 };
var<workgroup> tot: array<u32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) l: vec3<u32>) {
  let dg = l.x;
  var s = 0u;
  for (var k = 0u; k < p.nb; k++) { s += hist[dg * p.nb + k]; }
  tot[dg] = s;
  workgroupBarrier();
  var run = 0u;
  for (var e = 0u; e < dg; e++) { run += tot[e]; }
  for (var k = 0u; k < p.nb; k++) {
    let c = hist[dg * p.nb + k];
    hist[dg * p.nb + k] = run;
    run += c;
  }
}`,
});

const sortScatterKernel: Kernel = gridKernel({
  name: 'index_sort_scatter',
  key: 'index_sort|scatter',
  bindings: [
    ['keys', 'u32'],
    ['pos', 'u32'],
    ['rank', 'u32'],
    ['hist', 'u32'],
    ['keysOut', 'u32', 'rw'],
    ['posOut', 'u32', 'rw'],
  ],
  params: 'n: u32, shift: u32, nb: u32, N: u32, first: u32',
  count: 'p.n',
  body: () => `  let key = min(keys[idx], p.N);
  let dst = hist[((key >> p.shift) & 255u) * p.nb + idx / ${SORT_BLOCK}u] + rank[idx];
  keysOut[dst] = key;
  posOut[dst] = select(pos[idx], idx, p.first == 1u);`,
});

// One invocation per (a, sorted slot, b): the first slot of each id's run sums the run (ascending
// positions, so the order is fixed) and writes that row of dx.
function runSumKernel(vw: 1 | 4): Kernel {
  const T = vw === 4 ? 'vec4<f32>' : 'f32';
  return gridKernel({
    name: `index_select_backward${vw === 4 ? '4' : ''}`,
    key: `index_run_sum|${vw}`,
    bindings: [
      ['g', T],
      ['keys', 'u32'],
      ['pos', 'u32'],
      ['dx', T, 'rw'],
    ],
    params: 'total: u32, N: u32, Bv: u32, n: u32',
    count: 'p.total',
    body: () => `  let b = idx % p.Bv;
  let s0 = (idx / p.Bv) % p.n;
  let a = idx / (p.Bv * p.n);
  let v = keys[s0];
  if (v >= p.N || (s0 > 0u && keys[s0 - 1u] == v)) { return; }
  let base = a * p.n * p.Bv + b;
  var acc = g[base + pos[s0] * p.Bv];
  for (var s = s0 + 1u; s < p.n && keys[s] == v; s++) { acc += g[base + pos[s] * p.Bv]; }
  dx[(a * p.N + v) * p.Bv + b] = acc;`,
  });
}

// Zeroing by a buffer copy from a cached zero buffer: a memcpy on llvmpipe instead of a
// store loop, and no slower on GPUs.
let zeroSrc: { rt: Runtime; buf: GPUBuffer; bytes: number } | null = null;

/** Zero the first `bytes` of buf (in the current batch). */
export function zeroBuffer(buf: GPUBuffer, bytes: number): void {
  const rt = runtime();
  if (bytes === 0) return;
  if (!zeroSrc || zeroSrc.rt !== rt || zeroSrc.bytes < bytes) {
    if (zeroSrc?.rt === rt) rt.free(zeroSrc.buf);
    const b = rt.alloc(bytes, 'zero source');
    fill(b, bytes / 4, 'f32', 0);
    zeroSrc = { rt, buf: b, bytes };
  }
  rt.copy(zeroSrc.buf, 0, buf, 0, bytes);
}

export function indexSelectRowsBackward(a: IndexSelectBackwardArgs): void {
  const rt = runtime();
  const vw = a.B % 4 === 0 ? 4 : 1;
  zeroBuffer(a.dx, a.A * a.N * a.B * 4);
  const total = (a.A * a.n * a.B) / vw;
  if (total === 0) return;
  const n = a.n,
    nb = Math.ceil(n / SORT_BLOCK);
  const passes = Math.max(1, Math.ceil(Math.log2(a.N + 1) / 8)); // keys go up to N (the sentinel)
  const bufs = [0, 1, 2, 3].map(() => rt.alloc(n * 4, 'index sort buffer'));
  const rank = rt.alloc(n * 4, 'index sort ranks');
  const hist = rt.alloc(256 * nb * 4, 'index sort histogram');
  let keys = a.ids,
    pos = a.ids; // pass 0 reads ids as keys and takes positions from the index
  for (let k = 0; k < passes; k++) {
    const p = new Params()
      .u32(n)
      .u32(8 * k)
      .u32(nb)
      .u32(a.N)
      .u32(k === 0 ? 1 : 0);
    const [ko, po] = k % 2 === 0 ? [bufs[0], bufs[1]] : [bufs[2], bufs[3]];
    rt.dispatch({ kernel: rankKernel, buffers: [keys, rank, hist], params: p, workgroups: grid(nb, 64) });
    rt.dispatch({ kernel: scanKernel, buffers: [hist], params: p, workgroups: [1] });
    rt.dispatch({
      kernel: sortScatterKernel,
      buffers: [keys, pos, rank, hist, ko, po],
      params: p,
      workgroups: grid(n),
    });
    [keys, pos] = [ko, po];
  }
  rt.dispatch({
    kernel: runSumKernel(vw),
    buffers: [a.g, keys, pos, a.dx],
    params: new Params()
      .u32(total)
      .u32(a.N)
      .u32(a.B / vw)
      .u32(n),
    workgroups: grid(total),
  });
  for (const b of [...bufs, rank, hist]) rt.free(b);
}

// ---- gather / scatter-add along an axis (torch semantics) ----------------------------------
// Shapes travel padded to rank 8 (size 1, stride 0), so one kernel serves every rank.

const R8 = 8;
const pad8 = (xs: readonly number[], fillv: number) => Array.from({ length: R8 }, (_, d) => xs[d] ?? fillv);
const vec8 = (name: string) => `${name}: array<vec4<u32>, 2>`;
const at = (name: string, d: string) => `p.${name}[${d} >> 2u][${d} & 3u]`;

export interface GatherArgs {
  /** x, read through strides (element units) and an offset. */
  x: GPUBuffer;
  xStrides: readonly number[];
  xOffset: number;
  xShape: readonly number[];
  /** Contiguous i32 index; the output (contiguous) has its shape. */
  index: GPUBuffer;
  indexShape: readonly number[];
  out: GPUBuffer;
  axis: number;
  dtype?: WgslType;
}

function makeGather(dtype: WgslType): Kernel {
  return gridKernel({
    name: `gather_${dtype}`,
    key: `gather|${dtype}`,
    bindings: [
      ['x', dtype],
      ['index', 'i32'],
      ['out', dtype, 'rw'],
    ],
    params: `n: u32, axis: u32, xoff: u32, size: u32, ${vec8('shape')}, ${vec8('xst')}`,
    count: 'p.n',
    body: () => `  let id = u32(index[idx]);
  var rem = idx;
  var o = p.xoff;
  for (var d = ${R8 - 1}i; d >= 0; d--) {
    let du = u32(d);
    let dim = ${at('shape', 'du')};
    let c = rem % dim;
    rem = rem / dim;
    o += select(c, id, du == p.axis) * ${at('xst', 'du')};
  }
  out[idx] = select(${dtype}(0), x[o], id < p.size);`,
  });
}

export function gatherAxis(a: GatherArgs): void {
  const n = a.indexShape.reduce((p, q) => p * q, 1);
  if (n === 0) return;
  const p = new Params().u32(n).u32(a.axis).u32(a.xOffset).u32(a.xShape[a.axis]);
  for (const v of pad8(a.indexShape, 1)) p.u32(v);
  for (const v of pad8(a.xStrides, 0)) p.u32(v);
  runtime().dispatch({
    kernel: makeGather(a.dtype ?? 'f32'),
    buffers: [a.x, a.index, a.out],
    params: p,
    workgroups: grid(n),
  });
}

export interface ScatterAddArgs {
  /** Contiguous base of outShape, or null for zeros. */
  x: GPUBuffer | null;
  outShape: readonly number[];
  /** Contiguous i32 index. */
  index: GPUBuffer;
  indexShape: readonly number[];
  /** src read at the index's coordinates through its strides and offset. */
  src: GPUBuffer;
  srcStrides: readonly number[];
  srcOffset: number;
  out: GPUBuffer;
  axis: number;
}

// One invocation per output element scans the index along the axis: deterministic, and
// O(numel(out) * indexShape[axis]) — cheap for the usual few indices per line.
function scatterKernel(hasX: boolean): Kernel {
  return gridKernel({
    name: `scatter_add${hasX ? '' : '_zero'}`,
    key: `scatter_add|${hasX}`,
    bindings: [['index', 'i32'], ['src', 'f32'], hasX && ['x', 'f32'], ['out', 'f32', 'rw']],
    params: `n: u32, axis: u32, soff: u32, pad: u32, ${vec8('shape')}, ${vec8('ishape')}, ${vec8('ist')}, ${vec8('sst')}`,
    count: 'p.n',
    body: () => `  var rem = idx;
  var ib = 0u;
  var sb = p.soff;
  var v = 0u;
  var inside = true;
  for (var d = ${R8 - 1}i; d >= 0; d--) {
    let du = u32(d);
    let dim = ${at('shape', 'du')};
    let c = rem % dim;
    rem = rem / dim;
    if (du == p.axis) { v = c; } else {
      inside = inside && c < ${at('ishape', 'du')};
      ib += c * ${at('ist', 'du')};
      sb += c * ${at('sst', 'du')};
    }
  }
  var acc = ${hasX ? 'x[idx]' : '0.0'};
  if (inside) {
    let len = ${at('ishape', 'p.axis')};
    let si = ${at('ist', 'p.axis')};
    let ss = ${at('sst', 'p.axis')};
    for (var j = 0u; j < len; j++) {
      if (index[ib + j * si] == i32(v)) { acc += src[sb + j * ss]; }
    }
  }
  out[idx] = acc;`,
  });
}

export function scatterAddAxis(a: ScatterAddArgs): void {
  const n = a.outShape.reduce((p, q) => p * q, 1);
  if (n === 0) return;
  const ist: number[] = [];
  let s = 1;
  for (let d = a.indexShape.length - 1; d >= 0; d--) {
    ist[d] = s;
    s *= a.indexShape[d];
  }
  const p = new Params().u32(n).u32(a.axis).u32(a.srcOffset).u32(0);
  for (const v of pad8(a.outShape, 1)) p.u32(v);
  for (const v of pad8(a.indexShape, 1)) p.u32(v);
  for (const v of pad8(ist, 0)) p.u32(v);
  for (const v of pad8(a.srcStrides, 0)) p.u32(v);
  const buffers = a.x ? [a.index, a.src, a.x, a.out] : [a.index, a.src, a.out];
  runtime().dispatch({ kernel: scatterKernel(!!a.x), buffers, params: p, workgroups: grid(n) });
}
