// Shared-memory tiled matmul for real GPUs: a 16×16 workgroup computes a 64×64 tile of C,
// staging 64×BK panels of A and B in workgroup memory (zero-filled past the edges) so each global
// element is read once per tile; each thread accumulates 4×4 outputs at rows ty + 16r and columns
// tx + 16c (conflict-free shared reads, coalesced stores). Fully strided operands and output.
// On llvmpipe the barriers make this slow (each barrier is a coroutine switch); the chooser
// keeps it for GPUs.
import type { Kernel } from '../runtime.ts';
import {
  epilogueKey,
  epilogueStore,
  matmulKernel,
  type EpilogueSpec,
  type Launch,
  type MatmulPlan,
} from './matmul-common.ts';

const TILE = 64;
const BK = 16;
const TPB = 16; // threads per side

export function tiledSharedPlan(L: Launch, e: EpilogueSpec): MatmulPlan {
  return { kernel: tiledKernel(e), L, groups: [Math.ceil(L.N / TILE), Math.ceil(L.M / TILE)] };
}

function tiledKernel(e: EpilogueSpec): Kernel {
  return matmulKernel({
    name: `matmul_tiled${TILE}${e.bias || e.gelu ? `_${epilogueKey(e)}` : ''}`,
    key: `matmul|tiled|${TILE}|${BK}|${epilogueKey(e)}`,
    e,
    code: () => tiledCode(e),
  });
}

/** Element e of this step's BK × TILE panel of operand X (free index f, extent F), zero past the edges. */
const panel = (X: 'A' | 'B', f: 'i' | 'j', F: 'M' | 'N') => `      {
        let k = select(e / ${TILE}u, e % ${BK}u, p.s${X}k == 1u);
        let r = select(e % ${TILE}u, e / ${BK}u, p.s${X}k == 1u);
        let g${f} = ${f}0 + r;
        let gk = k0 + k;
        var v = 0.0;
        if (g${f} < p.${F} && gk < p.K) { v = ${X}[${X.toLowerCase()}B + g${f} * p.s${X}${f} + gk * p.s${X}k]; }
        ${X}s[k * ${TILE}u + r] = v;
      }`;

function tiledCode(e: EpilogueSpec): string {
  const loads = (TILE * BK) / (TPB * TPB); // elements of each panel loaded per thread
  const L: string[] = [];
  L.push(`var<workgroup> As: array<f32, ${TILE * BK}>; // [k][i]
var<workgroup> Bs: array<f32, ${TILE * BK}>; // [k][j]
@compute @workgroup_size(${TPB}, ${TPB}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let bat = wid.z;
  let i0 = wid.y * ${TILE}u;
  let j0 = wid.x * ${TILE}u;
  let aB = p.offA + bat * p.sAb;
  let bB = p.offB + bat * p.sBb;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.K; k0 += ${BK}u) {
    for (var t = 0u; t < ${loads}u; t++) {
      let e = li + t * ${TPB * TPB}u;
      // Each panel: consecutive threads walk k fastest when the operand is k-contiguous, else i (j).
${panel('A', 'i', 'M')}
${panel('B', 'j', 'N')}
    }
    workgroupBarrier();
    for (var k = 0u; k < ${BK}u; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var r = 0u; r < 4u; r++) {
        a[r] = As[k * ${TILE}u + lid.y + r * ${TPB}u];
        b[r] = Bs[k * ${TILE}u + lid.x + r * ${TPB}u];
      }
      for (var r = 0u; r < 4u; r++) {
        for (var c = 0u; c < 4u; c++) { acc[r][c] = fma(a[r], b[c], acc[r][c]); }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let i = i0 + lid.y + r * ${TPB}u;
    if (i >= p.M) { break; }
    for (var c = 0u; c < 4u; c++) {
      let j = j0 + lid.x + c * ${TPB}u;
      if (j < p.N) { ${epilogueStore(e, 'acc[r][c]', 'i', 'j', 'bat')} }
    }
  }
}`);
  return L.join('\n');
}
