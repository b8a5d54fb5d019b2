// Batched matmul over strided operands: C[b] = A[b] · B[b] (+ bias, GELU), with A(b,i,k) at
// offA + b*sAb + i*sAi + k*sAk (likewise B), so transposed or broadcast operands need no copy.
//
// Variants (all strided, all with the fused epilogue; `benchmarks/src/matmul-variants.ts` times them):
//   v1  portable baseline: 8×8 threads, 4×4 outputs each, strided scalar loads.
//   v2  per-lane register blocks, scalar loads, any strides (matmul_reg.ts).
//   v3  v2 with vec4 loads along whichever axis of each operand has stride 1 (scalar loads for an
//       operand with neither); runs transposed (Cᵀ = Bᵀ Aᵀ) when N is narrower than a lane block.
//   v4  shared-memory 64×64 tiles (matmul_tiled.ts) — real GPUs.
//   v5  v3 with A loaded cooperatively by the 8 lanes of a subgroup and shared with
//       subgroupBroadcast (matmul_sg.ts) — llvmpipe with subgroups of 8.
// `chooseMatmul` picks one by shape and adapter; `variant` in the args forces one.
//
// Why (llvmpipe, Mesa 25.0.7 / LLVM 15, 2 cores; GFLOP/s from CPU time, the machine was shared):
// v5 27-37 on 256³..1024³ and the BERT shapes, v1/v2/v3 7-11, v4 2.5 (barriers are coroutine
// switches on llvmpipe); v1 wins only matrix-vector products and tiny problems (launch-bound).
// Every storage load is a per-lane loop there, so the kernels are built to load little per FMA.
import { Params, runtime, type Kernel } from '../runtime.ts';
import {
  STRIDED_PARAMS, epilogueKey, epilogueStore, matmulAccess, matmulBindings, regKernel,
  type EpilogueSpec, type LoadMode, type RegConfig,
} from './matmul_reg.ts';
import { SG_LANES, sgKernel, type SgConfig } from './matmul_sg.ts';
import { tiledKernel, tiledTile } from './matmul_tiled.ts';

export type MatmulVariant = 'v1' | 'v2' | 'v3' | 'v4' | 'v5';
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['v1', 'v2', 'v3', 'v4', 'v5'];

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
  /** Force a variant (tests, benchmarks); otherwise chooseMatmul decides. */
  variant?: MatmulVariant;
  /** Override v2/v3's register tile (the selection sweep). */
  regConfig?: RegConfig;
  /** Override v5's block (the selection sweep). */
  sgConfig?: SgConfig;
}

export interface MatmulShape {
  batch: number;
  M: number;
  N: number;
  K: number;
}

/** Per-lane register blocks of v2/v3 (see the sweep in benchmarks/src/matmul-variants.ts). */
export const REG_CONFIG: Record<'v2' | 'v3', RegConfig> = {
  v2: { R: 4, C: 4, LX: 4, LY: 2 },
  v3: { R: 8, C: 8, LX: 4, LY: 2 },
};

/** Below this many multiply-adds the chooser takes v1: one small pipeline per epilogue covers every
 *  layout, and for such sizes the launch, not the kernel, is the cost. */
export const SMALL_MATMUL = 64 * 64 * 64;

/** v5's block: rows per workgroup, columns per lane. */
export const SG_CONFIG: SgConfig = { R: 32, C: 4 };

const T = 4; // v1: each thread computes a T×T block of C

function v1Kernel(e: EpilogueSpec): Kernel {
  return {
    name: `matmul_v1_strided${e.bias || e.gelu ? '_' + epilogueKey(e) : ''}`,
    key: `matmul|v1|${epilogueKey(e)}`,
    access: matmulAccess(e),
    uniform: true,
    code: () => `
${STRIDED_PARAMS}
${matmulBindings(e)}
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
  };
}

const kernels = new Map<string, Kernel>();
function cached(key: string, make: () => Kernel): Kernel {
  let k = kernels.get(key);
  if (!k) kernels.set(key, (k = make()));
  return k;
}

/** True for CPU rasterizers (llvmpipe/lavapipe, SwiftShader), where the barrier-free kernels win. */
export function isCpuAdapter(adapter: string): boolean {
  return /llvmpipe|lavapipe|swiftshader|softpipe/i.test(adapter);
}

/** True when the device runs v5: subgroups enabled, always 8 lanes wide. */
export function hasSubgroups8(): boolean {
  const rt = runtime();
  const ai = (rt.device as unknown as { adapterInfo?: { subgroupMinSize?: number; subgroupMaxSize?: number } }).adapterInfo;
  return rt.gpu.hasSubgroups && ai?.subgroupMinSize === SG_LANES && ai?.subgroupMaxSize === SG_LANES;
}

/** The variant for a shape on an adapter (`runtime().gpu.info.adapter`); `sg8`: see hasSubgroups8. */
export function chooseMatmul(s: MatmulShape, adapter: string, sg8 = false): MatmulVariant {
  if (s.M * s.N * s.K < SMALL_MATMUL) return 'v1';
  if (isCpuAdapter(adapter)) {
    // Matrix-vector products: v5's row block would mostly compute padding (measured: v1 1.5× faster).
    if (s.M === 1 || s.N === 1) return 'v1';
    return sg8 ? 'v5' : 'v3';
  }
  // Real GPUs: shared-memory tiles once there is a tile's worth of work, v1 for thin problems.
  return s.M >= 32 && s.N >= 32 && s.K >= 16 ? 'v4' : 'v1';
}

/** How v3 reads an operand with [batch, free, k] strides: vec4 along k, along the free dim, or scalar. */
function loadMode(s: readonly [number, number, number], off: number, K: number, batch: number): LoadMode {
  const [sb, sf, sk] = s;
  if (off % 4 !== 0 || (batch > 1 && sb % 4 !== 0)) return 's';
  if (sk === 1 && K % 4 === 0 && sf % 4 === 0) return 'k4';
  if (sf === 1 && sk % 4 === 0) return 'f4';
  return 's';
}

let sg8Cache: { dev: GPUDevice; v: boolean } | null = null;
function sg8(): boolean {
  const dev = runtime().device;
  if (sg8Cache?.dev !== dev) sg8Cache = { dev, v: hasSubgroups8() };
  return sg8Cache.v;
}

/** One launch's operands, after the variant swapped them if it does. */
interface Launch {
  M: number; N: number; K: number;
  offA: number; sA: readonly [number, number, number];
  offB: number; sB: readonly [number, number, number];
  offC: number; sC: readonly [number, number, number];
  bI: number; bJ: number;
}

export function matmul(a: MatmulArgs): void {
  const rt = runtime();
  if (a.M === 0 || a.N === 0 || a.batch === 0) return;
  const variant = a.variant ?? chooseMatmul(a, rt.gpu.info.adapter, sg8());
  const e: EpilogueSpec = { bias: !!a.bias, gelu: !!a.gelu };
  let L: Launch = {
    M: a.M, N: a.N, K: a.K,
    offA: a.aOffset ?? 0, sA: a.aStrides,
    offB: a.bOffset ?? 0, sB: a.bStrides,
    offC: a.outOffset ?? 0, sC: [a.M * a.N, a.N, 1],
    bI: 0, bJ: 1,
  };
  let bufA = a.a, bufB = a.b;
  let kernel: Kernel;
  let wg: (l: Launch) => [number, number];
  switch (variant) {
    case 'v1':
      kernel = cached(`v1|${epilogueKey(e)}`, () => v1Kernel(e));
      wg = (l) => [Math.ceil(l.N / (8 * T)), Math.ceil(l.M / (8 * T))];
      break;
    case 'v2':
    case 'v3': {
      const cfg = a.regConfig ?? REG_CONFIG[variant];
      // Thin outputs (fewer columns than a lane block, more rows): Cᵀ = Bᵀ Aᵀ puts the lanes along M.
      if (variant === 'v3' && a.N < cfg.C && a.M > a.N) {
        L = {
          M: a.N, N: a.M, K: a.K,
          offA: L.offB, sA: [a.bStrides[0], a.bStrides[2], a.bStrides[1]],
          offB: L.offA, sB: [a.aStrides[0], a.aStrides[2], a.aStrides[1]],
          offC: L.offC, sC: [a.M * a.N, 1, a.N],
          bI: 1, bJ: 0,
        };
        bufA = a.b;
        bufB = a.a;
      }
      const mA: LoadMode = variant === 'v2' ? 's' : loadMode(L.sA, L.offA, L.K, a.batch);
      const mB: LoadMode = variant === 'v2' ? 's' : loadMode([L.sB[0], L.sB[2], L.sB[1]], L.offB, L.K, a.batch);
      const ck = `${cfg.R}|${cfg.C}|${cfg.LX}|${cfg.LY}|${mA}|${mB}`;
      kernel = cached(`reg|${variant}|${ck}|${epilogueKey(e)}`, () => regKernel(cfg, mA, mB, e, variant));
      wg = (l) => [Math.ceil(l.M / (cfg.LY * cfg.R)), Math.ceil(l.N / (cfg.LX * cfg.C))];
      break;
    }
    case 'v5': {
      let cfg = a.sgConfig ?? SG_CONFIG;
      if (!sg8()) throw new Error('matmul v5 needs subgroups of exactly 8 invocations');
      if (a.N < cfg.C * 2 && a.M > a.N) {
        L = {
          M: a.N, N: a.M, K: a.K,
          offA: L.offB, sA: [a.bStrides[0], a.bStrides[2], a.bStrides[1]],
          offB: L.offA, sB: [a.aStrides[0], a.aStrides[2], a.aStrides[1]],
          offC: L.offC, sC: [a.M * a.N, 1, a.N],
          bI: 1, bJ: 0,
        };
        bufA = a.b;
        bufB = a.a;
      }
      // Few rows (matrix-vector-like): a shorter block wastes fewer FMAs on rows past M.
      if (!a.sgConfig && L.M < cfg.R) cfg = { ...cfg, R: L.M <= 8 ? 8 : L.M <= 16 ? 16 : cfg.R };
      const mA = loadMode(L.sA, L.offA, L.K, a.batch);
      const mB = loadMode([L.sB[0], L.sB[2], L.sB[1]], L.offB, L.K, a.batch);
      kernel = cached(`sg|${cfg.R}|${cfg.C}|${mA}|${mB}|${epilogueKey(e)}`, () => sgKernel(cfg, mA, mB, e, 'v5'));
      wg = (l) => [Math.ceil(l.M / cfg.R), Math.ceil(l.N / (SG_LANES * cfg.C))];
      break;
    }
    case 'v4':
      kernel = cached(`v4|${epilogueKey(e)}`, () => tiledKernel(e, 'v4'));
      wg = (l) => [Math.ceil(l.N / tiledTile()), Math.ceil(l.M / tiledTile())];
      break;
    default:
      throw new Error(`matmul: unknown variant ${String(variant)}`);
  }
  const buffers = a.bias ? [bufA, bufB, a.out, a.bias] : [bufA, bufB, a.out];
  const [gx, gy] = wg(L);
  const maxZ = rt.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  // Batches past the per-dimension limit go out as several dispatches with shifted offsets.
  for (let b0 = 0; b0 < a.batch; b0 += maxZ) {
    const nb = Math.min(maxZ, a.batch - b0);
    const p = new Params()
      .u32(L.M).u32(L.N).u32(L.K)
      .u32(L.offA + b0 * L.sA[0]).u32(L.sA[0]).u32(L.sA[1]).u32(L.sA[2])
      .u32(L.offB + b0 * L.sB[0]).u32(L.sB[0]).u32(L.sB[1]).u32(L.sB[2])
      .u32(L.offC + b0 * L.sC[0]).u32(L.sC[0]).u32(L.sC[1]).u32(L.sC[2])
      .u32(L.bI).u32(L.bJ).u32(a.biasOffset ?? 0);
    rt.dispatch({ kernel, buffers, params: p, workgroups: [gx, gy, nb] });
  }
}
