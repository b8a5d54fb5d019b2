// Batched matmul over strided operands: C[b] = A[b] · B[b], with A(b,i,k) at
// offA + b*sAb + i*sAi + k*sAk (likewise B), so transposed or broadcast operands need no copy.
// This is the portable baseline (v1); faster variants choose themselves by shape and adapter.
import { Params, runtime, type Kernel } from '../runtime.ts';

export interface MatmulArgs {
  a: GPUBuffer;
  b: GPUBuffer;
  out: GPUBuffer;
  batch: number;
  M: number;
  N: number;
  K: number;
  /** [batch, row, col] element strides and the element offset of each operand. */
  aStrides: readonly [number, number, number];
  bStrides: readonly [number, number, number];
  aOffset?: number;
  bOffset?: number;
}

const T = 4; // each thread computes a T×T block of C

const kernelV1: Kernel = {
  name: 'matmul_v1_strided',
  key: 'matmul|v1',
  access: ['read', 'read', 'rw'],
  uniform: true,
  code: () => `
struct P { M: u32, N: u32, K: u32, offA: u32, offB: u32,
  sAb: u32, sAi: u32, sAk: u32, sBb: u32, sBk: u32, sBj: u32 };
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: P;
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i0 = gid.y * ${T}u;
  let j0 = gid.x * ${T}u;
  let bat = gid.z;
  if (i0 >= p.M || j0 >= p.N) { return; }
  var acc: array<array<f32, ${T}>, ${T}>;
  let aBase = p.offA + bat * p.sAb;
  let bBase = p.offB + bat * p.sBb;
  for (var k = 0u; k < p.K; k++) {
    var av: array<f32, ${T}>;
    var bv: array<f32, ${T}>;
    for (var t = 0u; t < ${T}u; t++) {
      let i = min(i0 + t, p.M - 1u);
      let j = min(j0 + t, p.N - 1u);
      av[t] = A[aBase + i * p.sAi + k * p.sAk];
      bv[t] = B[bBase + k * p.sBk + j * p.sBj];
    }
    for (var r = 0u; r < ${T}u; r++) {
      for (var c = 0u; c < ${T}u; c++) { acc[r][c] = fma(av[r], bv[c], acc[r][c]); }
    }
  }
  let cBase = bat * p.M * p.N;
  for (var r = 0u; r < ${T}u; r++) {
    let i = i0 + r;
    if (i >= p.M) { break; }
    for (var c = 0u; c < ${T}u; c++) {
      let j = j0 + c;
      if (j < p.N) { C[cBase + i * p.N + j] = acc[r][c]; }
    }
  }
}`,
};

export function matmul(a: MatmulArgs): void {
  const rt = runtime();
  if (a.M === 0 || a.N === 0 || a.batch === 0) return;
  const p = new Params()
    .u32(a.M).u32(a.N).u32(a.K).u32(a.aOffset ?? 0).u32(a.bOffset ?? 0)
    .u32(a.aStrides[0]).u32(a.aStrides[1]).u32(a.aStrides[2])
    .u32(a.bStrides[0]).u32(a.bStrides[1]).u32(a.bStrides[2]);
  rt.dispatch({
    kernel: kernelV1,
    buffers: [a.a, a.b, a.out],
    params: p,
    workgroups: [Math.ceil(a.N / (8 * T)), Math.ceil(a.M / (8 * T)), a.batch],
  });
}
