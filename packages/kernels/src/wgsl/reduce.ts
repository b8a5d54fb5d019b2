// Reductions over the middle axis of a contiguous [A, R, B] view: out[a, b] = op_r x[a, r, b].
// Reducing trailing axes is B = 1; leading axes A = 1. A thread per output walks r (coalesced
// across b); when there are few outputs and long rows, a workgroup per output shares the work.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { grid, gridMain } from './common.ts';

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
  return {
    name: `reduce_${op}_thread`,
    key: `reduce|${op}|thread`,
    access: ['read', 'rw'],
    uniform: true,
    code: () => `
struct P { A: u32, R: u32, B: u32, scale: f32 };
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
${gridMain()}
  if (idx >= p.A * p.B) { return; }
  let a = idx / p.B;
  let b = idx % p.B;
  var acc: f32 = ${INIT[op]};
  var j = a * p.R * p.B + b;
  for (var r = 0u; r < p.R; r++) {
    let v = x[j];
    acc = ${STEP[op]('acc', 'v')};
    j += p.B;
  }
  out[idx] = acc * p.scale;
}`,
  };
}

const WGR = 256;
function perWorkgroup(op: ReduceOp): Kernel {
  return {
    name: `reduce_${op}_wg`,
    key: `reduce|${op}|wg`,
    access: ['read', 'rw'],
    uniform: true,
    code: () => `
struct P { A: u32, R: u32, B: u32, scale: f32 };
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> p: P;
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
  };
}

export function reduce(a: ReduceArgs): void {
  const rt = runtime();
  const outputs = a.A * a.B;
  if (outputs === 0) return;
  const p = new Params().u32(a.A).u32(a.R).u32(a.B).f32(a.scale ?? 1);
  // Few outputs with long rows starve a thread-per-output kernel of parallelism.
  if (outputs < 512 && a.R >= 1024) {
    const [x, y] = grid(outputs, 1);
    rt.dispatch({ kernel: perWorkgroup(a.op), buffers: [a.x, a.out], params: p, workgroups: [x, y] });
  } else {
    rt.dispatch({ kernel: perThread(a.op), buffers: [a.x, a.out], params: p, workgroups: grid(outputs) });
  }
}
