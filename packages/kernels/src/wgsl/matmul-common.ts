// Pieces shared by the matmul kernels: the strided uniform block, bindings, the fused epilogue
// (bias, GELU) and its rolled store, the vec4 k loop of the register-blocked designs, and the
// host-side choice of each operand's load mode.
//
// Load modes, chosen by the host from an operand's strides:
//   'k4'  vec4 along k (the operand's k stride is 1): one vec4 covers 4 steps of k.
//   'f4'  vec4 along the free dim (A: i, B: j stride 1): one vec4 covers 4 rows/columns.
//   's'   scalar, any strides (also when offsets/strides are not multiples of 4).
import type { Kernel } from '../runtime.ts';
import { ERF_WGSL, kernel, type KernelSpec } from './common.ts';

export type LoadMode = 's' | 'k4' | 'f4';

export interface EpilogueSpec {
  bias: boolean;
  gelu: boolean;
}

/** The uniform struct shared by the strided kernels. */
export const STRIDED_PARAMS = `struct P { M: u32, N: u32, K: u32, offA: u32, sAb: u32, sAi: u32, sAk: u32,
  offB: u32, sBb: u32, sBk: u32, sBj: u32, offC: u32, sCb: u32, sCi: u32, sCj: u32, bI: u32, bJ: u32, offBias: u32 };`;

export interface MatmulKernelSpec extends Omit<KernelSpec, 'bindings'> {
  e: EpilogueSpec;
  /** Element types of A and B as the kernel reads them (vec4 load modes). */
  aType?: string;
  bType?: string;
}

/** A matmul kernel: bindings A, B, C (and the bias when the epilogue adds one), then the strided
 *  uniform block and the epilogue's helpers ahead of `code`. */
export function matmulKernel(s: MatmulKernelSpec): Kernel {
  return kernel({
    name: s.name,
    key: s.key,
    enable: s.enable,
    bindings: [['A', s.aType ?? 'f32'], ['B', s.bType ?? 'f32'], ['C', 'f32', 'rw'], s.e.bias && ['bias', 'f32']],
    code: () => `${STRIDED_PARAMS}\n${s.e.gelu ? ERF_WGSL : ''}\n${s.code()}`,
  });
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

const COMP = ['x', 'y', 'z', 'w'];

/**
 * The register-blocked designs' loads of one operand for U consecutive k (k4: one vec4 covers them):
 * pushes the WGSL to `s` and returns e[x][u], the value of element x (row x of A, column x of B)
 * at step k + u. Bases: ar/bc{x} per element, ag/bg{g} per 4 elements (f4); the k offsets are the
 * counters of kLoop.
 */
export function loadOperand(s: string[], X: 'A' | 'B', m: LoadMode, n: number, U: number): string[][] {
  const x = X.toLowerCase();
  const st = `s${X}k`;
  const one = X === 'A' ? 'ar' : 'bc',
    four = X === 'A' ? 'ag' : 'bg';
  const e: string[][] = Array.from({ length: n }, () => []);
  const off = (u: number, vec: boolean) => {
    const base = vec ? `k4${st}` : `k${st}`;
    return u === 0 ? base : `${base} + ${u}u * ${vec ? `${st}4` : st}`;
  };
  if (m === 'k4') {
    for (let c = 0; c < n; c++) {
      s.push(`    let ${x}${c} = ${X}[${one}${c} + kq];`);
      for (let u = 0; u < U; u++) e[c][u] = `${x}${c}.${COMP[u]}`;
    }
  } else if (m === 'f4') {
    for (let u = 0; u < U; u++)
      for (let g = 0; g < n / 4; g++) {
        s.push(`    let ${x}${g}_${u} = ${X}[${four}${g} + ${off(u, true)}];`);
        for (let t = 0; t < 4; t++) e[4 * g + t][u] = `${x}${g}_${u}.${COMP[t]}`;
      }
  } else {
    for (let u = 0; u < U; u++)
      for (let c = 0; c < n; c++) {
        s.push(`    let ${x}${c}_${u} = ${X}[${one}${c} + ${off(u, false)}];`);
        e[c][u] = `${x}${c}_${u}`;
      }
  }
  return e;
}

/** How a kernel reads an operand with [batch, free, k] strides: vec4 along k, along the free dim, or scalar. */
export function loadMode(s: readonly [number, number, number], off: number, K: number, batch: number): LoadMode {
  const [sb, sf, sk] = s;
  if (off % 4 !== 0 || (batch > 1 && sb % 4 !== 0)) return 's';
  if (sk === 1 && K % 4 === 0 && sf % 4 === 0) return 'k4';
  if (sf === 1 && sk % 4 === 0) return 'f4';
  return 's';
}

/** One launch's operands and output, after a variant swapped them if it does. */
export interface Launch {
  M: number;
  N: number;
  K: number;
  offA: number;
  sA: readonly [number, number, number];
  offB: number;
  sB: readonly [number, number, number];
  offC: number;
  sC: readonly [number, number, number];
  /** Bias index = i * bI + j * bJ (swapped launches index it by their rows). */
  bI: number;
  bJ: number;
  /** A and B buffers exchanged: Cᵀ = Bᵀ Aᵀ with a transposed output. */
  swapped: boolean;
}

/** Cᵀ = Bᵀ Aᵀ: puts a thin output's long side on the lanes (the output is strided, so it is free). */
export function transposed(L: Launch): Launch {
  return {
    M: L.N,
    N: L.M,
    K: L.K,
    offA: L.offB,
    sA: [L.sB[0], L.sB[2], L.sB[1]],
    offB: L.offA,
    sB: [L.sA[0], L.sA[2], L.sA[1]],
    offC: L.offC,
    sC: [L.sC[0], L.sC[2], L.sC[1]],
    bI: L.bJ,
    bJ: L.bI,
    swapped: !L.swapped,
  };
}

/** A variant's plan for one launch: its kernel, the (maybe swapped) operands and the x/y workgroups. */
export interface MatmulPlan {
  kernel: Kernel;
  L: Launch;
  groups: [number, number];
}
