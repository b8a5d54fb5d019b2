// Reductions over the middle axis of a contiguous [A, R, B] view: out[a, b] = op_r x[a, r, b].
// Reducing trailing axes is B = 1; leading axes A = 1. A thread per output walks r (coalesced
// across b); when there are few outputs and long rows, a workgroup per output shares the work.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { gridKernel, kernel, grid } from './common.ts';

export type ReduceOp = 'sum' | 'max' | 'min' | 'sumsq';

const INIT: Record<ReduceOp, string> = { sum: '0.0', sumsq: '0.0', max: '-3.4028234e38', min: '3.4028234e38' };
const STEP: Record<ReduceOp, (acc: string, v: string) => string> = {
  sum: (acc, v) => `${acc} + ${v}`,
  sumsq: (acc, v) => `${acc} + ${v} * ${v}`,
  max: (acc, v) => `max(${acc}, ${v})`,
  min: (acc, v) => `min(${acc}, ${v})`,
};
// Combining partial results: sumsq partials are already squared.
const COMBINE: Record<ReduceOp, (x: string, y: string) => string> = {
  sum: (x, y) => `${x} + ${y}`,
  sumsq: (x, y) => `${x} + ${y}`,
  max: (x, y) => `max(${x}, ${y})`,
  min: (x, y) => `min(${x}, ${y})`,
};

export interface ReduceArgs {
  op: ReduceOp;
  x: GPUBuffer;
  out: GPUBuffer;
  A: number;
  R: number;
  B: number;
  /** Multiplies the result (1/R for a mean). */
  scale?: number;
}

function perThread(op: ReduceOp): Kernel {
  return gridKernel({
    name: `reduce_${op}_thread`,
    key: `reduce|${op}|thread`,
    bindings: [
      ['x', 'f32'],
      ['out', 'f32', 'rw'],
    ],
    params: 'A: u32, R: u32, B: u32, scale: f32',
    count: 'p.A * p.B',
    body: () => `  let a = idx / p.B;
  let b = idx % p.B;
  var acc: f32 = ${INIT[op]};
  var j = a * p.R * p.B + b;
  for (var r = 0u; r < p.R; r++) {
    let v = x[j];
    acc = ${STEP[op]('acc', 'v')};
    j += p.B;
  }
  out[idx] = acc * p.scale;`,
  });
}

const WGR = 256;
function perWorkgroup(op: ReduceOp): Kernel {
  return kernel({
    name: `reduce_${op}_wg`,
    key: `reduce|${op}|wg`,
    bindings: [
      ['x', 'f32'],
      ['out', 'f32', 'rw'],
    ],
    code: () => `
struct P { A: u32, R: u32, B: u32, scale: f32 };
var<workgroup> sh: array<f32, ${WGR}>;
@compute @workgroup_size(${WGR})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = wid.x + wid.y * nwg.x;
  let valid = o < p.A * p.B;
  let a = o / p.B;
  let b = o % p.B;
  var acc: f32 = ${INIT[op]};
  if (valid) {
    let base = a * p.R * p.B + b;
    for (var r = lid.x; r < p.R; r += ${WGR}u) {
      let v = x[base + r * p.B];
      acc = ${STEP[op]('acc', 'v')};
    }
  }
  sh[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${WGR / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { sh[lid.x] = ${COMBINE[op]('sh[lid.x]', 'sh[lid.x + s]')}; }
    workgroupBarrier();
  }
  if (lid.x == 0u && valid) { out[o] = sh[0] * p.scale; }
}`,
  });
}

/**
 * First pass of a split reduction over rows (B = 1): T threads per row, thread j folds
 * x[a·R + j + k·T] for k = 0, 1, ... (vec4 elements when `vec`), so neighbouring lanes read
 * neighbouring words and no barrier is needed; part[a·T + j] holds the partial.
 */
function rowPartials(op: ReduceOp, vec: boolean): Kernel {
  const t = vec ? 'vec4<f32>' : 'f32';
  const fold = (acc: string): string => {
    if (!vec) return acc;
    if (op === 'max' || op === 'min') return `${op}(${op}(${acc}.x, ${acc}.y), ${op}(${acc}.z, ${acc}.w))`;
    return `${acc}.x + ${acc}.y + ${acc}.z + ${acc}.w`;
  };
  return gridKernel({
    name: `reduce_${op}_rowpart`,
    key: `reduce|${op}|rowpart|${vec}`,
    bindings: [
      ['x', t],
      ['part', 'f32', 'rw'],
    ],
    params: 'A: u32, R: u32, T: u32, pad: u32',
    count: 'p.A * p.T',
    body: () => `  let a = idx / p.T;
  let j = idx % p.T;
  var acc = ${t}(${INIT[op]});
  let base = a * p.R;
  for (var r = j; r < p.R; r += p.T) {
    let v = x[base + r];
    acc = ${STEP[op]('acc', 'v')};
  }
  part[idx] = ${fold('acc')};`,
  });
}

/** Threads per row in the split path: enough lanes for every core, few enough partials. */
const ROW_SPLIT_THREADS = 8192;

export function reduce(a: ReduceArgs): void {
  const rt = runtime();
  const outputs = a.A * a.B;
  if (outputs === 0) return;
  const p = new Params()
    .u32(a.A)
    .u32(a.R)
    .u32(a.B)
    .f32(a.scale ?? 1);
  // Few long rows: split each over many lanes, then fold the partials with a workgroup per row.
  if (a.B === 1 && outputs < 512 && a.R >= 16384) {
    const vec = a.R % 4 === 0;
    const Rv = vec ? a.R / 4 : a.R;
    const T = Math.max(
      256,
      Math.min(Math.floor(ROW_SPLIT_THREADS / outputs / 256) * 256, Math.ceil(Rv / 64 / 256) * 256),
    );
    const part = rt.alloc(a.A * T * 4, 'reduce partials');
    const pp = new Params().u32(a.A).u32(Rv).u32(T).u32(0);
    rt.dispatch({ kernel: rowPartials(a.op, vec), buffers: [a.x, part], params: pp, workgroups: grid(a.A * T) });
    const combine: ReduceOp = a.op === 'sumsq' ? 'sum' : a.op;
    const pc = new Params()
      .u32(a.A)
      .u32(T)
      .u32(1)
      .f32(a.scale ?? 1);
    rt.dispatch({ kernel: perWorkgroup(combine), buffers: [part, a.out], params: pc, workgroups: grid(outputs, 1) });
    rt.free(part);
    return;
  }
  // Few outputs with long rows starve a thread-per-output kernel of parallelism.
  if (outputs < 512 && a.R >= 1024) {
    const [x, y] = grid(outputs, 1);
    rt.dispatch({ kernel: perWorkgroup(a.op), buffers: [a.x, a.out], params: p, workgroups: [x, y] });
  } else {
    rt.dispatch({ kernel: perThread(a.op), buffers: [a.x, a.out], params: p, workgroups: grid(outputs) });
  }
}
