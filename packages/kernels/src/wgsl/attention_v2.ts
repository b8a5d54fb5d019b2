// Attention v2 forward: a workgroup of WG query rows (one per invocation) stages tiles of BK keys
// and values in workgroup memory, so each K/V element is read from global memory once per
// workgroup instead of once per query row — the usual GPU design. On llvmpipe the barriers cost
// more than they save (v1 is faster there); see attention.ts for the choice.
import type { Kernel } from '../runtime.ts';
import { PHILOX_WGSL } from './random.ts';
import { BIG, NEG, PARAMS_WGSL, Row, causalKeyEnd, causalSees, cfgKey, rowAt, type AttnCfg } from './attention_common.ts';

const cache = new Map<string, { kernel: Kernel; wg: number }>();
const WG = 64;
const KB = 4; // keys per online-softmax step inside a tile (one accumulator rescale each)

export function forwardV2(c: AttnCfg): { kernel: Kernel; wg: number } {
  const key = `attn_v2_fwd|${cfgKey(c)}`;
  let hit = cache.get(key);
  if (hit) return hit;
  const r = new Row(c);
  const T = r.T;
  // Two tiles of BK x D floats plus BK mask flags within 16 KiB (the WebGPU default workgroup
  // storage limit), BK % 4 == 0 (dropout counters cover 4 keys).
  const BK = Math.max(4, Math.min(32, Math.floor(16384 / (8 * c.D + 4) / 4) * 4));
  const ts = [0, 1, 2, 3];
  let step = '';
  for (const t of ts) {
    step += `      let u${t} = tt + ${t}u;
      let ok${t} = Ms[u${t}] != 0.0${c.causal ? ` && ${causalSees('i', `j0 + u${t}`)}` : ''};
      let s${t} = select(${NEG}, ${r.dot((i) => `q${i}`, (i) => `Ks[u${t} * ${r.n}u + ${i}u]`)}, ok${t});
`;
  }
  step += `      let mn = max(m, max(max(s0, s1), max(s2, s3)));
      let corr = exp(m - mn);
${ts.map((t) => `      let p${t} = select(0.0, exp(s${t} - mn), ok${t});`).join('\n')}
      l = l * corr + p0 + p1 + p2 + p3;
`;
  if (c.drop) {
    step += `      let rnd = rand_at(vec2<u32>(p.seedLo, p.seedHi), rrow + ((j0 + tt) >> 2u), 0u);
${ts.map((t) => `      let pd${t} = select(0.0, p${t} * p.dropScale, u01(rnd[${t}]) >= p.dropP);`).join('\n')}
`;
  }
  const pd = (t: number) => (c.drop ? `pd${t}` : `p${t}`);
  step += r.each((i) => `    a${i} = a${i} * corr + ${ts.map((t) => `${pd(t)} * Vs[u${t} * ${r.n}u + ${i}u]`).join(' + ')};`) + '\n';
  step += `      m = mn;\n`;
  const names = ['Q', 'K', 'V', ...(c.mask ? ['M'] : [])];
  const n = names.length;
  const code = () => `${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}
${names.map((nm, i) => `@group(0) @binding(${i}) var<storage, read> ${nm}: array<${nm === 'M' ? 'f32' : T}>;`).join('\n')}
@group(0) @binding(${n}) var<storage, read_write> O: array<${T}>;
@group(0) @binding(${n + 1}) var<storage, read_write> stats: array<f32>;
@group(0) @binding(${n + 2}) var<uniform> p: P;
var<workgroup> Ks: array<${T}, ${BK * r.n}>;
var<workgroup> Vs: array<${T}, ${BK * r.n}>;
var<workgroup> Ms: array<f32, ${BK}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let bh = wid.y + wid.z * nwg.y;
  if (bh >= p.B * p.H) { return; } // uniform across the workgroup
  let b = bh / p.H;
  let h = bh % p.H;
  let i = wid.x * ${WG}u + lid.x;
  let live = i < p.Tq; // rows past Tq still help load tiles and meet every barrier
  let qr = ${rowAt('q', 'min(i, p.Tq - 1u)')};
${r.each((i) => `let q${i} = Q[qr + ${i}u] * p.scale;`)}
${r.each((i) => `var a${i} = ${T}(0.0);`)}
  var m = ${NEG};
  var l = 0.0;
  let kb0 = ${rowAt('k', '0u')};
  let vb0 = ${rowAt('v', '0u')};
  let rrow = p.rngOff + (bh * p.Tq + i) * p.Tk4;
  // Causal: the workgroup walks the keys its last row sees (a uniform bound for the barriers).
  let kend = ${c.causal ? causalKeyEnd(`wid.x * ${WG}u + ${WG - 1}u`) : 'p.Tk'};
  for (var j0 = 0u; j0 < kend; j0 += ${BK}u) {
    for (var e = lid.x; e < ${BK * r.n}u; e += ${WG}u) {
      let j = min(j0 + e / ${r.n}u, p.Tk - 1u);
      Ks[e] = K[kb0 + j * p.v[1].w + e % ${r.n}u];
      Vs[e] = V[vb0 + j * p.v[2].w + e % ${r.n}u];
    }
    if (lid.x < ${BK}u) {
      // Keys past Tk count as padded, so the steps below test one flag (no bounds).
      Ms[lid.x] = select(0.0, ${c.mask ? `M[b * p.Tk + min(j0 + lid.x, p.Tk - 1u)]` : '1.0'}, j0 + lid.x < p.Tk);
    }
    workgroupBarrier();
    for (var tt = 0u; tt < ${BK}u; tt += ${KB}u) {
${step}    }
    workgroupBarrier();
  }
  if (!live) { return; }
  let inv = select(0.0, 1.0 / l, l > 0.0);
  let orow = ${rowAt('o', 'i')};
${r.each((i) => `O[orow + ${i}u] = a${i} * inv;`)}
  stats[bh * p.Tq + i] = select(${BIG}, m + log(l), l > 0.0);
}`;
  hit = { kernel: { name: `attention_v2_fwd_d${c.D}`, key, access: [...names.map(() => 'read' as const), 'rw', 'rw'], uniform: true, code }, wg: WG };
  cache.set(key, hit);
  return hit;
}
