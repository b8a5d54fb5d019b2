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
// Two variants: 'registerBlocked' reads every operand with scalar loads; 'registerVec4' reads each
// in the vec4 mode its strides allow (matmul-common.ts) and runs transposed (Cᵀ = Bᵀ Aᵀ) when N is
// narrower than a lane block. Both lost to 'subgroupShared' on llvmpipe with subgroups of 8 (see
// the harness); 'registerVec4' was the CPU choice without subgroups, where 'direct' is as fast.
import {
  epilogueKey,
  epilogueRolled,
  kLoop,
  loadMode,
  loadOperand,
  matmulKernel,
  transposed,
  type EpilogueSpec,
  type Kernel,
  type LoadMode,
  type MatmulPlan,
  type Launch,
} from '@jepa/kernels/variants';

export interface RegConfig {
  /** rows per lane (multiple of 4) */
  R: number;
  /** columns per lane (multiple of 4) */
  C: number;
  /** lanes per workgroup along N and along M (LX·LY = one SIMD chunk: 8 on AVX2 llvmpipe) */
  LX: number;
  LY: number;
}

/** Per-lane register blocks, from the sweep (`pnpm bench:variants matmul --sweep`). */
export const REG_CONFIG: Record<'registerBlocked' | 'registerVec4', RegConfig> = {
  registerBlocked: { R: 4, C: 4, LX: 4, LY: 2 },
  registerVec4: { R: 8, C: 8, LX: 4, LY: 2 },
};

/** A launch plan for `variant` with register block `cfg` (the sweep passes its own). */
export function registerPlan(variant: 'registerBlocked' | 'registerVec4', cfg = REG_CONFIG[variant]) {
  return (L0: Launch, e: EpilogueSpec, batch: number): MatmulPlan => {
    // Thin outputs (fewer columns than a lane block, more rows): Cᵀ = Bᵀ Aᵀ puts the lanes along M.
    const L = variant === 'registerVec4' && L0.N < cfg.C && L0.M > L0.N ? transposed(L0) : L0;
    const mA: LoadMode = variant === 'registerBlocked' ? 's' : loadMode(L.sA, L.offA, L.K, batch);
    const mB: LoadMode =
      variant === 'registerBlocked' ? 's' : loadMode([L.sB[0], L.sB[2], L.sB[1]], L.offB, L.K, batch);
    return {
      kernel: regKernel(cfg, mA, mB, e, variant),
      L,
      groups: [Math.ceil(L.M / (cfg.LY * cfg.R)), Math.ceil(L.N / (cfg.LX * cfg.C))],
    };
  };
}

export function regKernel(cfg: RegConfig, modeA: LoadMode, modeB: LoadMode, e: EpilogueSpec, tag: string): Kernel {
  const { R, C, LX, LY } = cfg;
  const ek = epilogueKey(e);
  const v4 = (m: LoadMode) => (m === 's' ? 'f32' : 'vec4<f32>');
  return matmulKernel({
    name: `matmul_${tag}_reg${R}x${C}_${modeA}${modeB}${ek ? `_${ek}` : ''}`,
    key: `matmul|reg|${R}|${C}|${LX}|${LY}|${modeA}|${modeB}|${ek}`,
    e,
    aType: v4(modeA),
    bType: v4(modeB),
    code: () => regCode(cfg, modeA, modeB, e),
  });
}

function regCode({ R, C, LX, LY }: RegConfig, mA: LoadMode, mB: LoadMode, e: EpilogueSpec): string {
  if (R % 4 || C % 4) throw new Error(`matmul reg kernel: R (${R}) and C (${C}) must be multiples of 4`);
  const CG = C / 4;
  const rows = [...Array(R).keys()];
  const groupsR = [...Array(R / 4).keys()];
  const groupsC = [...Array(CG).keys()];
  const cols = [...Array(C).keys()];
  const L: string[] = [];
  L.push(`@compute @workgroup_size(${LX}, ${LY}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let bat = wid.z;
  let iL = (wid.x * ${LY}u + lid.y) * ${R}u; // workgroups walk M fastest (see matmul-subgroup.ts)
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
    const ea = loadOperand(s, 'A', mA, R, U); // ea[r][u]: A(i_r, k+u)
    const eb = loadOperand(s, 'B', mB, C, U); // eb[c][u]: B(k+u, j_c)
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
