// Register-blocked matmul without workgroup memory or barriers, shaped for CPU rasterizers
// (llvmpipe/lavapipe), where a workgroup's invocations are the SIMD lanes of one CPU thread.
//
// What costs what on llvmpipe (Mesa 25.0, measured by dumping the JIT code with GALLIVM_DEBUG=asm):
// a storage-buffer load whose address is not a compile-time uniform becomes a per-lane loop —
// for each of the 8 lanes an exec-mask test, a reload of the buffer's base and size, a bounds
// compare and branch, and one scalar load + insert per component. A vec4 load shares the per-lane
// part across its 4 components, so it costs about half as much per float as a scalar load. FMAs are
// cheap by comparison (ffma is lowered to mul + add), so the kernel maximises FMAs per loaded
// float: every lane owns an R × C block of outputs (R·C/4 vec4 accumulators, spilled to the stack
// by LLVM when they outnumber the registers — an L1 load/store is still far cheaper than a load
// from a storage buffer) and reads R + C floats per k.
//
// Each operand is read in one of three modes, chosen by the host from its strides:
//   'k4'  vec4 along k (the operand's k stride is 1): one vec4 covers 4 steps of k.
//   'f4'  vec4 along the free dim (A: i, B: j stride 1): one vec4 covers 4 rows/columns.
//   's'   scalar, any strides (also when offsets/strides are not multiples of 4).
// The output is strided, so the host can run it with A and B swapped (Cᵀ = Bᵀ Aᵀ).
import type { Kernel } from '../runtime.ts';
import { ERF_WGSL } from './common.ts';

export type LoadMode = 's' | 'k4' | 'f4';

export interface RegConfig {
  /** rows per lane (multiple of 4) */
  R: number;
  /** columns per lane (multiple of 4) */
  C: number;
  /** lanes per workgroup along N and along M (LX·LY = one SIMD chunk: 8 on AVX2 llvmpipe) */
  LX: number;
  LY: number;
}

export interface EpilogueSpec {
  bias: boolean;
  gelu: boolean;
}

/** The uniform struct shared by the strided kernels (v1, v2/v3 and the tiled one). */
export const STRIDED_PARAMS = `struct P { M: u32, N: u32, K: u32, offA: u32, sAb: u32, sAi: u32, sAk: u32,
  offB: u32, sBb: u32, sBk: u32, sBj: u32, offC: u32, sCb: u32, sCi: u32, sCj: u32, bI: u32, bJ: u32, offBias: u32 };`;

/** Storage bindings of a matmul kernel: A, B, C, then the bias when the epilogue adds one. */
export function matmulAccess(e: EpilogueSpec): ('read' | 'rw')[] {
  return e.bias ? ['read', 'read', 'rw', 'read'] : ['read', 'read', 'rw'];
}

export function matmulBindings(e: EpilogueSpec, aType = 'f32', bType = 'f32'): string {
  return `@group(0) @binding(0) var<storage, read> A: array<${aType}>;
@group(0) @binding(1) var<storage, read> B: array<${bType}>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
${e.bias ? '@group(0) @binding(3) var<storage, read> bias: array<f32>;\n' : ''}@group(0) @binding(${e.bias ? 4 : 3}) var<uniform> p: P;
${e.gelu ? ERF_WGSL : ''}`;
}

/** WGSL for the epilogue of one output value `v` at (i, j), batch `bat`, guarded by the caller. */
export function epilogueStore(e: EpilogueSpec, v: string, i: string, j: string, bat: string): string {
  let s = `var o = ${v};`;
  if (e.bias) s += ` o += bias[p.offBias + ${i} * p.bI + ${j} * p.bJ];`;
  if (e.gelu) s += ` o = gelu_f(o);`;
  s += ` C[p.offC + ${bat} * p.sCb + ${i} * p.sCi + ${j} * p.sCj] = o;`;
  return s;
}

/**
 * Stores the R × 4·CG accumulators acc{r}_{g} (vec4 over 4 columns) of a lane whose block starts at
 * row `i0`, column `j0`, as two rolled loops that shift the accumulators down instead of unrolling
 * R·C guarded stores: on llvmpipe each store is a per-lane loop, and unrolled they dominated the
 * shader's size and its (LLVM) compile time.
 */
export function epilogueRolled(e: EpilogueSpec, R: number, CG: number, i0: string, j0: string, bat: string): string[] {
  // Runtime trip counts, so that NIR does not unroll the loops again.
  const L: string[] = [];
  L.push(`  let rEnd = min(${R}u, p.M - min(p.M, ${i0}));
  let gEnd = min(${CG}u, (p.N - min(p.N, ${j0}) + 3u) / 4u);
  for (var r = 0u; r < rEnd; r++) {
    let i = ${i0} + r;`);
  if (CG > 1) L.push(`    var v = acc0_0;`);
  L.push(`    for (var g = 0u; g < gEnd; g++) {`);
  const v = CG > 1 ? 'v' : 'acc0_0';
  for (let t = 0; t < 4; t++) {
    const j = `${j0} + 4u * g + ${t}u`;
    L.push(`      if (${j} < p.N) { ${epilogueStore(e, `${v}.${['x', 'y', 'z', 'w'][t]}`, 'i', `(${j})`, bat)} }`);
  }
  if (CG > 1) {
    L.push(`      switch g {`);
    for (let g = 0; g + 1 < CG; g++) L.push(`        case ${g}u: { v = acc0_${g + 1}; }`);
    L.push(`        default: {}`, `      }`);
  }
  L.push(`    }`);
  for (let r = 0; r + 1 < R; r++) for (let g = 0; g < CG; g++) L.push(`    acc${r}_${g} = acc${r + 1}_${g};`);
  L.push(`  }`);
  return L;
}

export function epilogueKey(e: EpilogueSpec): string {
  return (e.bias ? 'b' : '') + (e.gelu ? 'g' : '');
}

export function regKernel(cfg: RegConfig, modeA: LoadMode, modeB: LoadMode, e: EpilogueSpec, tag: string): Kernel {
  const { R, C, LX, LY } = cfg;
  const ek = epilogueKey(e);
  return {
    name: `matmul_${tag}_reg${R}x${C}_${modeA}${modeB}${ek ? '_' + ek : ''}`,
    key: `matmul|reg|${R}|${C}|${LX}|${LY}|${modeA}|${modeB}|${ek}`,
    access: matmulAccess(e),
    uniform: true,
    code: () => regCode(cfg, modeA, modeB, e),
  };
}

const COMP = ['x', 'y', 'z', 'w'];

function regCode({ R, C, LX, LY }: RegConfig, mA: LoadMode, mB: LoadMode, e: EpilogueSpec): string {
  if (R % 4 || C % 4) throw new Error(`matmul reg kernel: R (${R}) and C (${C}) must be multiples of 4`);
  const CG = C / 4;
  const rows = [...Array(R).keys()];
  const groupsR = [...Array(R / 4).keys()];
  const groupsC = [...Array(CG).keys()];
  const cols = [...Array(C).keys()];
  const v4 = (m: LoadMode) => (m === 's' ? 'f32' : 'vec4<f32>');
  const L: string[] = [];
  L.push(STRIDED_PARAMS, matmulBindings(e, v4(mA), v4(mB)));
  L.push(`@compute @workgroup_size(${LX}, ${LY}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bat = wid.z;
  let iL = (wid.x * ${LY}u + lid.y) * ${R}u; // workgroups walk M fastest (see matmul_sg.ts)
  let jL = (wid.y * ${LX}u + lid.x) * ${C}u;
  let mLast = p.M - 1u;
  let nLast = p.N - 1u;
  let aB = p.offA + bat * p.sAb;
  let bB = p.offB + bat * p.sBb;`);
  // Per-operand base offsets (in elements, or in vec4s for the vec4 modes).
  if (mA === 'k4') for (const r of rows) L.push(`  let ar${r} = (aB + min(iL + ${r}u, mLast) * p.sAi) / 4u;`);
  if (mA === 's') for (const r of rows) L.push(`  let ar${r} = aB + min(iL + ${r}u, mLast) * p.sAi;`);
  if (mA === 'f4') for (const g of groupsR) L.push(`  let ag${g} = (aB + min(iL + ${4 * g}u, mLast & ~3u)) / 4u;`);
  if (mB === 'k4') for (const c of cols) L.push(`  let bc${c} = (bB + min(jL + ${c}u, nLast) * p.sBj) / 4u;`);
  if (mB === 's') for (const c of cols) L.push(`  let bc${c} = bB + min(jL + ${c}u, nLast) * p.sBj;`);
  if (mB === 'f4') for (const g of groupsC) L.push(`  let bg${g} = (bB + min(jL + ${4 * g}u, nLast & ~3u)) / 4u;`);
  L.push(`  let sAk = p.sAk;
  let sBk = p.sBk;
  let sAk4 = sAk / 4u;
  let sBk4 = sBk / 4u;`);
  for (const r of rows) for (const g of groupsC) L.push(`  var acc${r}_${g} = vec4<f32>(0.0);`);

  // One step of `U` consecutive k (U = 4 in the main loop, 1 in the tail). `k` is the first one.
  const step = (U: number): string[] => {
    const s: string[] = [];
    const ea: string[][] = rows.map(() => []); // ea[r][u]: A(i_r, k+u)
    const eb: string[][] = cols.map(() => []); // eb[c][u]: B(k+u, j_c)
    const kOff = (stride: string, u: number, vec: boolean) => {
      const base = vec ? `k4${stride}` : `k${stride}`;
      return u === 0 ? base : `${base} + ${u}u * ${vec ? stride + '4' : stride}`;
    };
    // A
    if (mA === 'k4') {
      for (const r of rows) {
        s.push(`    let a${r} = A[ar${r} + kq];`);
        for (let u = 0; u < U; u++) ea[r][u] = `a${r}.${COMP[u]}`;
      }
    } else if (mA === 'f4') {
      for (let u = 0; u < U; u++) for (const g of groupsR) {
        s.push(`    let a${g}_${u} = A[ag${g} + ${kOff('sAk', u, true)}];`);
        for (let t = 0; t < 4; t++) ea[4 * g + t][u] = `a${g}_${u}.${COMP[t]}`;
      }
    } else {
      for (let u = 0; u < U; u++) for (const r of rows) {
        s.push(`    let a${r}_${u} = A[ar${r} + ${kOff('sAk', u, false)}];`);
        ea[r][u] = `a${r}_${u}`;
      }
    }
    // B
    if (mB === 'k4') {
      for (const c of cols) {
        s.push(`    let b${c} = B[bc${c} + kq];`);
        for (let u = 0; u < U; u++) eb[c][u] = `b${c}.${COMP[u]}`;
      }
    } else if (mB === 'f4') {
      for (let u = 0; u < U; u++) for (const g of groupsC) {
        s.push(`    let b${g}_${u} = B[bg${g} + ${kOff('sBk', u, true)}];`);
        for (let t = 0; t < 4; t++) eb[4 * g + t][u] = `b${g}_${u}.${COMP[t]}`;
      }
    } else {
      for (let u = 0; u < U; u++) for (const c of cols) {
        s.push(`    let b${c}_${u} = B[bc${c} + ${kOff('sBk', u, false)}];`);
        eb[c][u] = `b${c}_${u}`;
      }
    }
    for (let u = 0; u < U; u++) {
      const bv = groupsC.map((g) =>
        mB === 'f4' ? `b${g}_${u}` : `vec4<f32>(${[0, 1, 2, 3].map((t) => eb[4 * g + t][u]).join(', ')})`,
      );
      for (const r of rows) {
        for (const g of groupsC) s.push(`    acc${r}_${g} = fma(vec4<f32>(${ea[r][u]}), ${bv[g]}, acc${r}_${g});`);
      }
    }
    return s;
  };

  L.push(...kLoop(step, mA === 'k4' || mB === 'k4'));
  L.push(...epilogueRolled(e, R, CG, 'iL', 'jL', 'bat'));
  L.push('}');
  return L.join('\n');
}

/**
 * The k loop shared by the register-blocked variants: vec4 steps of 4 along k, then (without k4
 * operands) a scalar tail. kq counts vec4s along k (k4 modes); k4sAk/k4sBk are k·stride in vec4
 * units (f4 modes); ksAk/ksBk are k·stride in elements (scalar modes). The host guarantees
 * K % 4 == 0 with k4 operands and stride % 4 == 0 in the f4 modes.
 */
export function kLoop(step: (n: number) => string[], hasK4: boolean): string[] {
  const L: string[] = [];
  L.push(`  let kMain = p.K & ~3u;
  var kq = 0u;
  var k4sAk = 0u;
  var k4sBk = 0u;
  var ksAk = 0u;
  var ksBk = 0u;
  for (var k = 0u; k < kMain; k += 4u) {`);
  L.push(...step(4));
  L.push(`    kq += 1u;
    k4sAk += sAk;
    k4sBk += sBk;
    ksAk += 4u * sAk;
    ksBk += 4u * sBk;
  }`);
  if (!hasK4) {
    L.push(`  k4sAk = kMain * sAk4;
  k4sBk = kMain * sBk4;
  for (var k = kMain; k < p.K; k++) {`);
    L.push(...step(1));
    L.push(`    k4sAk += sAk4;
    k4sBk += sBk4;
    ksAk += sAk;
    ksBk += sBk;
  }`);
  }
  return L;
}
