// Subgroup-cooperative register-blocked matmul for CPU rasterizers (llvmpipe), where a
// workgroup of W invocations is exactly one subgroup = the SIMD lanes of one register: W = 8 on
// AVX2 (llvmpipe's default 256-bit vectors), 16 with LP_NATIVE_VECTOR_WIDTH=512 on AVX-512.
//
// On llvmpipe every storage-buffer load runs a per-lane loop, so the kernel
// minimises loads: the workgroup computes R rows × W·C columns; the R rows are shared by all lanes,
// so the lanes load A *cooperatively* — each lane loads a different vec4 (R/8 loads per 4 steps of
// k instead of R) — and hand the values round with subgroupBroadcast (a constant lane index: one
// register permute on llvmpipe). Each lane loads its own C columns of B (vec4s) and accumulates an
// R × C block (R·C/4 vec4 accumulators). Loads per 4 k: R/8 + C vec4s, for 4·R·C FMAs.
// Workgroups walk M fastest (wid.x = row block), so consecutive workgroups reuse one slab of B
// columns from the cache: for a row-major B that slab is K short rows 4·N bytes apart, and
// sweeping N first instead re-read all of B (and its pages) for every row block.
//
// (On llvmpipe several times the register-blocked designs in benchmarks/variants/, whose
// matmul-register.ts says what a load costs there; `pnpm bench:variants matmul`.) Load modes as in
// matmul-common.ts.
// Requires subgroup size == W == workgroup size, W in SG_WIDTHS (the host checks gpu.info.subgroupSize).
import type { Kernel } from '../runtime.ts';
import {
  epilogueKey,
  epilogueRolled,
  kLoop,
  loadMode,
  loadOperand,
  matmulKernel,
  transposed,
  type EpilogueSpec,
  type Launch,
  type LoadMode,
  type MatmulPlan,
} from './matmul-common.ts';

/** The subgroup widths the kernel is generated for (llvmpipe at 256- and 512-bit vectors). */
export const SG_WIDTHS: readonly number[] = [8, 16];
/** The 256-bit width (kept for callers that mean the default llvmpipe build). */
export const SG_LANES = 8;

export interface SgConfig {
  /** rows per workgroup (multiple of the lanes W) */
  R: number;
  /** columns per lane (multiple of 4) */
  C: number;
}

const COMP = ['x', 'y', 'z', 'w'];

/** The block per width: rows per workgroup, columns per lane (from the sweep,
 *  `pnpm bench:variants matmul --sweep`, run at each LP_NATIVE_VECTOR_WIDTH). */
export const SG_CONFIGS: Readonly<Record<number, SgConfig>> = { 8: { R: 32, C: 4 }, 16: { R: 64, C: 8 } };
/** The 8-lane block. */
export const SG_CONFIG: SgConfig = SG_CONFIGS[8];

/** The plan for subgroups of `W` lanes (8 or 16). */
export function subgroupSharedPlan(
  L0: Launch,
  e: EpilogueSpec,
  batch: number,
  block?: SgConfig,
  W: number = SG_LANES,
): MatmulPlan {
  if (!SG_WIDTHS.includes(W))
    throw new Error(`matmul subgroupShared: needs subgroups of ${SG_WIDTHS.join(' or ')} lanes, got ${W}`);
  let cfg = block ?? SG_CONFIGS[W];
  const L = L0.N < cfg.C * 2 && L0.M > L0.N ? transposed(L0) : L0;
  // Few rows (matrix-vector-like): a shorter block (W, 2W, 4W… rows) wastes fewer FMAs on rows past M.
  if (!block && L.M < cfg.R) {
    let R = W;
    while (R < L.M && R < cfg.R) R *= 2;
    cfg = { ...cfg, R: Math.min(R, cfg.R) };
  }
  const mA = loadMode(L.sA, L.offA, L.K, batch);
  const mB = loadMode([L.sB[0], L.sB[2], L.sB[1]], L.offB, L.K, batch);
  return {
    kernel: sgKernel(cfg, W, mA, mB, e),
    L,
    groups: [Math.ceil(L.M / cfg.R), Math.ceil(L.N / (W * cfg.C))],
  };
}

function sgKernel(cfg: SgConfig, W: number, mA: LoadMode, mB: LoadMode, e: EpilogueSpec): Kernel {
  const ek = epilogueKey(e);
  const v4 = (m: LoadMode) => (m === 's' ? 'f32' : 'vec4<f32>');
  const w = W === SG_LANES ? '' : `w${W}_`;
  return matmulKernel({
    name: `matmul_subgroup${w}${cfg.R}x${cfg.C}_${mA}${mB}${ek ? `_${ek}` : ''}`,
    key: `matmul|sg|${W}|${cfg.R}|${cfg.C}|${mA}|${mB}|${ek}`,
    e,
    aType: v4(mA),
    bType: v4(mB),
    enable: 'subgroups',
    code: () => sgCode(cfg, W, mA, mB, e),
  });
}

function sgCode({ R, C }: SgConfig, W: number, mA: LoadMode, mB: LoadMode, e: EpilogueSpec): string {
  if (R % W || C % 4)
    throw new Error(`matmul sg kernel: R must be a multiple of the ${W} lanes and C of 4, got R ${R}, C ${C}`);
  const CG = C / 4;
  const rows = [...Array(R).keys()];
  const groupsC = [...Array(CG).keys()];
  const cols = [...Array(C).keys()];
  // A items per 4 steps of k: R vec4s (k4: one per row; f4: R/4 per k) or 4R scalars.
  const itemsA = mA === 's' ? 4 * R : R;
  const T = itemsA / W; // cooperative loads per lane
  const L: string[] = [];
  L.push(`@compute @workgroup_size(${W}, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) ln: u32) {
  let bat = wid.z;
  let i0 = wid.x * ${R}u;
  let jL = (wid.y * ${W}u + ln) * ${C}u;
  let mLast = p.M - 1u;
  let nLast = p.N - 1u;
  let aB = p.offA + bat * p.sAb;
  let bB = p.offB + bat * p.sBb;
  let sAk = p.sAk;
  let sBk = p.sBk;
  let sAk4 = sAk / 4u;
  let sBk4 = sBk / 4u;`);
  // Per-lane base offset of each cooperative A load t (item q = W·t + lane).
  for (let t = 0; t < T; t++) {
    const q = `(${t * W}u + ln)`;
    if (mA === 'k4') L.push(`  let at${t} = (aB + min(i0 + ${q}, mLast) * p.sAi) / 4u;`);
    else if (mA === 'f4') {
      // q = u·(R/4) + g: vec4 of rows i0 + 4g .. +3 at step k + u
      L.push(`  let at${t} = (aB + min(i0 + 4u * (${q} % ${R / 4}u), mLast & ~3u)) / 4u + (${q} / ${R / 4}u) * sAk4;`);
    } else {
      // q = u·R + r: A(i0 + r, k + u)
      L.push(`  let at${t} = aB + min(i0 + ${q} % ${R}u, mLast) * p.sAi + (${q} / ${R}u) * sAk;`);
    }
  }
  if (mB === 'k4') for (const c of cols) L.push(`  let bc${c} = (bB + min(jL + ${c}u, nLast) * p.sBj) / 4u;`);
  if (mB === 's') for (const c of cols) L.push(`  let bc${c} = bB + min(jL + ${c}u, nLast) * p.sBj;`);
  if (mB === 'f4') for (const g of groupsC) L.push(`  let bg${g} = (bB + min(jL + ${4 * g}u, nLast & ~3u)) / 4u;`);
  for (const r of rows) for (const g of groupsC) L.push(`  var acc${r}_${g} = vec4<f32>(0.0);`);

  const step = (U: number): string[] => {
    const s: string[] = [];
    // A: cooperative loads, then broadcasts. In the tail (U = 1, no k4) only u = 0 items are used.
    const aOff = mA === 'k4' ? 'kq' : mA === 'f4' ? 'k4sAk' : 'ksAk';
    for (let t = 0; t < T; t++) s.push(`    let al${t} = A[at${t} + ${aOff}];`);
    // B: per lane
    const eb = loadOperand(s, 'B', mB, C, U);
    const bv = (u: number, g: number) =>
      mB === 'f4' ? `b${g}_${u}` : `vec4<f32>(${[0, 1, 2, 3].map((t) => eb[4 * g + t][u]).join(', ')})`;
    // A values are broadcast from the lane that loaded them just before the row that uses them;
    // each accumulator then takes its U updates in a row (short live ranges for LLVM's allocator).
    const bc = new Map<number, string>();
    const bcast = (q: number) => {
      let v = bc.get(q);
      if (!v) {
        v = `ab${q}`;
        s.push(`    let ${v} = subgroupBroadcast(al${Math.floor(q / W)}, ${q % W}u);`);
        bc.set(q, v);
      }
      return v;
    };
    for (const r of rows) {
      const ea: string[] = [];
      for (let u = 0; u < U; u++) {
        if (mA === 'k4') ea[u] = `${bcast(r)}.${COMP[u]}`;
        else if (mA === 'f4') ea[u] = `${bcast(u * (R / 4) + (r >> 2))}.${COMP[r & 3]}`;
        else ea[u] = bcast(u * R + r);
      }
      for (const g of groupsC)
        for (let u = 0; u < U; u++) {
          s.push(`    acc${r}_${g} = fma(vec4<f32>(${ea[u]}), ${bv(u, g)}, acc${r}_${g});`);
        }
    }
    return s;
  };

  // In the tail the cooperative A items of step u = 0 are the first R/4 (f4) or R (s) items, so the
  // same per-lane offsets work (items of u > 0 are loaded but unused).
  L.push(...kLoop(step, mA === 'k4' || mB === 'k4'));
  L.push(...epilogueRolled(e, R, CG, 'i0', 'jL', 'bat'));
  L.push('}');
  return L.join('\n');
}
