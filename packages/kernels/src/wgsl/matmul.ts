// Batched matmul over strided operands: C[b] = A[b] · B[b] (+ bias, GELU), with A(b,i,k) at
// offA + b*sAb + i*sAi + k*sAk (likewise B), so transposed or broadcast operands need no copy.
//
// Variants (all strided, all with the fused epilogue):
//   subgroupShared (matmul-subgroup.ts)  CPU rasterizers with subgroups of 8 or 16 (llvmpipe at
//                                        256- or 512-bit vectors).
//   tiledShared    (matmul-tiled.ts)     GPUs: 64×64 tiles staged in workgroup memory.
//   direct         (here)                both, below SMALL_MATMUL, for matrix-vector products and
//                                        thin outputs, and CPUs without such subgroups.
// Others join through registerVariant (`@jepa/kernels/variants`); the superseded ones and the harness
// that times them all: benchmarks/variants/ (`pnpm bench:variants matmul`).
import { Params, runtime, type Kernel } from '../runtime.ts';
import { forcedVariant } from '../variants.ts';
import {
  epilogueKey,
  epilogueStore,
  matmulKernel,
  type EpilogueSpec,
  type Launch,
  type MatmulPlan,
} from './matmul-common.ts';
import { SG_WIDTHS, subgroupSharedPlan, type SgConfig } from './matmul-subgroup.ts';
import { tiledSharedPlan } from './matmul-tiled.ts';

/** A variant: the plan for one launch (`batch` decides whether batch strides allow vec4 loads). */
export type MatmulVariantPlan = (L: Launch, e: EpilogueSpec, batch: number, args: MatmulArgs) => MatmulPlan;

const VARIANTS = new Map<string, MatmulVariantPlan>([
  ['direct', (L, e) => ({ kernel: directKernel(e), L, groups: [Math.ceil(L.N / (8 * T)), Math.ceil(L.M / (8 * T))] })],
  [
    'subgroupShared',
    (L, e, batch, a) => {
      const S = runtime().gpu.info.subgroupSize;
      if (S === null || !SG_WIDTHS.includes(S))
        throw new Error(
          `matmul subgroupShared: needs subgroups of exactly ${SG_WIDTHS.join(' or ')} invocations, got ${S ?? 'none'}`,
        );
      return subgroupSharedPlan(L, e, batch, a.sgConfig, S);
    },
  ],
  ['tiledShared', (L, e) => tiledSharedPlan(L, e)],
]);
export type MatmulVariant = 'direct' | 'subgroupShared' | 'tiledShared';
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['direct', 'subgroupShared', 'tiledShared'];

/** A built-in design, else one added through registerVariant (built-in names cannot be taken). */
const ADDED = new Map<string, MatmulVariantPlan>();
/** Stores a design added from outside (registerVariant in variants-api.ts checks the name first). */
export function addMatmulDesign(name: string, plan: MatmulVariantPlan): void {
  ADDED.set(name, plan);
}
/** The designs added from outside, in the order they were first added. */
export const addedMatmulDesigns = (): readonly string[] => [...ADDED.keys()];
const planOf = (name: string): MatmulVariantPlan | undefined => VARIANTS.get(name) ?? ADDED.get(name);

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
  /** Element offset of the (contiguous [batch, M, N]) output. */
  outOffset?: number;
  /** Fused epilogue: out += bias[j] (a length-N vector, broadcast over rows and batch)... */
  bias?: GPUBuffer;
  biasOffset?: number;
  /** ...then out = gelu(out) (erf form). */
  gelu?: boolean;
  /** Override subgroupShared's block (the harness's sweep). */
  sgConfig?: SgConfig;
}

export interface MatmulShape {
  batch: number;
  M: number;
  N: number;
  K: number;
}

/** Below this many multiply-adds the chooser takes 'direct': one small pipeline per epilogue covers
 *  every layout, and for such sizes the launch, not the kernel, is the cost. */
export const SMALL_MATMUL = 64 * 64 * 64;

const T = 4; // direct: each thread computes a T×T block of C

function directKernel(e: EpilogueSpec): Kernel {
  return matmulKernel({
    name: `matmul_direct${e.bias || e.gelu ? `_${epilogueKey(e)}` : ''}`,
    key: `matmul|direct|${epilogueKey(e)}`,
    e,
    code: () => `
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
  for (var r = 0u; r < ${T}u; r++) {
    let i = i0 + r;
    if (i >= p.M) { break; }
    for (var c = 0u; c < ${T}u; c++) {
      let j = j0 + c;
      if (j < p.N) { ${epilogueStore(e, 'acc[r][c]', 'i', 'j', 'bat')} }
    }
  }
}`,
  });
}

/** The variant for a shape on an adapter; `subgroupSize` as in GpuInfo. */
export function chooseMatmul(s: MatmulShape, gpu: { isCpu: boolean; subgroupSize: number | null }): MatmulVariant {
  if (s.M * s.N * s.K < SMALL_MATMUL) return 'direct';
  if (gpu.isCpu) {
    // Matrix-vector products: subgroupShared's row block would mostly compute padding (direct is faster).
    if (s.M === 1 || s.N === 1) return 'direct';
    return gpu.subgroupSize !== null && SG_WIDTHS.includes(gpu.subgroupSize) ? 'subgroupShared' : 'direct';
  }
  // Real GPUs: shared-memory tiles once there is a tile's worth of work, direct for thin problems.
  return s.M >= 32 && s.N >= 32 && s.K >= 16 ? 'tiledShared' : 'direct';
}

export function matmul(a: MatmulArgs): void {
  const rt = runtime();
  if (a.M === 0 || a.N === 0 || a.batch === 0) return;
  const name = forcedVariant('matmul', [...VARIANTS.keys(), ...ADDED.keys()]) ?? chooseMatmul(a, rt.gpu.info);
  const e: EpilogueSpec = { bias: !!a.bias, gelu: !!a.gelu };
  const L0: Launch = {
    M: a.M,
    N: a.N,
    K: a.K,
    offA: a.aOffset ?? 0,
    sA: a.aStrides,
    offB: a.bOffset ?? 0,
    sB: a.bStrides,
    offC: a.outOffset ?? 0,
    sC: [a.M * a.N, a.N, 1],
    bI: 0,
    bJ: 1,
    swapped: false,
  };
  const {
    kernel,
    L,
    groups: [gx, gy],
  } = planOf(name)!(L0, e, a.batch, a);
  const [bufA, bufB] = L.swapped ? [a.b, a.a] : [a.a, a.b];
  const buffers = a.bias ? [bufA, bufB, a.out, a.bias] : [bufA, bufB, a.out];
  const maxZ = rt.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  // Batches past the per-dimension limit go out as several dispatches with shifted offsets.
  for (let b0 = 0; b0 < a.batch; b0 += maxZ) {
    const nb = Math.min(maxZ, a.batch - b0);
    const p = new Params()
      .u32(L.M)
      .u32(L.N)
      .u32(L.K)
      .u32(L.offA + b0 * L.sA[0])
      .u32(L.sA[0])
      .u32(L.sA[1])
      .u32(L.sA[2])
      .u32(L.offB + b0 * L.sB[0])
      .u32(L.sB[0])
      .u32(L.sB[1])
      .u32(L.sB[2])
      .u32(L.offC + b0 * L.sC[0])
      .u32(L.sC[0])
      .u32(L.sC[1])
      .u32(L.sC[2])
      .u32(L.bI)
      .u32(L.bJ)
      .u32(a.biasOffset ?? 0);
    rt.dispatch({ kernel, buffers, params: p, workgroups: [gx, gy, nb] });
  }
}
