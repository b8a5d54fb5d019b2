// Attention 'tiledShared', the choice on GPUs. Forward: a workgroup of WG query rows (one per
// invocation) stages tiles of BK keys and values in workgroup memory, so each K/V element is read
// from global memory once per workgroup instead of once per query row — the usual GPU design.
// Backward: one invocation per query row (dQ) or key row (dK/dV), walking the other side in register
// blocks, no workgroup memory. All invocations of a workgroup share (b, h), so the walked side's
// addresses are uniform across it. On llvmpipe the barriers cost more than they save; see
// attention.ts for the choice and `pnpm bench:variants attention` for the comparison.
import type { Kernel } from '../runtime.ts';
import { kernel } from './common.ts';
import { PHILOX_WGSL } from './random.ts';
import {
  BIG,
  NEG,
  PARAMS_WGSL,
  Row,
  attnBindings,
  attnMain,
  causalKeyEnd,
  causalQueryStart,
  causalSees,
  cfgKey,
  keepExpr,
  rowAt,
  seq,
  type AttentionKernels,
  type AttnCfg,
  type AttnLaunch,
} from './attention-common.ts';

const WG = 64;
const KB = 4; // keys per online-softmax step inside a tile (one accumulator rescale each)

function forward(c: AttnCfg): Kernel {
  const key = `attn_tiled_fwd|${cfgKey(c)}`;
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
      let s${t} = select(${NEG}, ${r.dot(
        (i) => `q${i}`,
        (i) => `Ks[u${t} * ${r.n}u + ${i}u]`,
      )}, ok${t});
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
  step += `${r.each(
    (i) => `    a${i} = a${i} * corr + ${ts.map((t) => `${pd(t)} * Vs[u${t} * ${r.n}u + ${i}u]`).join(' + ')};`,
  )}\n`;
  step += `      m = mn;\n`;
  const code = () => `${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}
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
  return kernel({ name: `attention_tiled_fwd_d${c.D}`, key, bindings: attnBindings.forward(c, T), code });
}

/**
 * Walk `count` keys (or queries) as full blocks of `blk`, then one at a time for the tail, so
 * no step tests bounds. (Bounds tests inside an unrolled block let LLVM thread the implied
 * conditions into 2^blk paths: llvmpipe then spent minutes compiling the kernel.)
 */
export function keyLoop(count: string, blk: number, step: (ts: number[]) => string, start = '0u'): string {
  return `  let nfull = ${count} - (${count} - ${start}) % ${blk}u;
  for (var j0 = ${start}; j0 < nfull; j0 += ${blk}u) {
${step(seq(blk))}  }
  for (var j0 = nfull; j0 < ${count}; j0++) {
${step([0])}  }`;
}

/** `e` where key t is kept by the padding mask, else `other` (just `e` without a mask). */
export const maskSel = (c: AttnCfg, t: number, e: string, other: string) =>
  c.mask ? `select(${other}, ${e}, M[mb + j${t}] != 0.0)` : e;

/**
 * Dropout for keys j0..j0+n-1 of this row: `out_t = in_t * keep / (1 - p)`. A full block starts
 * at a multiple of 4 and uses every word of its Philox counters; the tail draws per key.
 */
export function dropWeights(n: number, src: string, dst: string): string {
  let s = '';
  if (n === 1) {
    return `    let ${dst}0 = select(0.0, ${src}0 * p.dropScale, ${keepExpr('rrow', 'j0')});\n`;
  }
  for (let g = 0; g < n / 4; g++) {
    s += `    let rnd${g} = rand_at(vec2<u32>(p.seedLo, p.seedHi), rrow + (j0 >> 2u) + ${g}u, 0u);\n`;
  }
  for (let t = 0; t < n; t++) {
    s += `    let ${dst}${t} = select(0.0, ${src}${t} * p.dropScale, u01(rnd${t >> 2}[${t & 3}]) >= p.dropP);\n`;
  }
  return s;
}

/**
 * dQ (parallel over query rows): also writes D_i = rowsum(dO ∘ O) into stats[rows + bh*Tq + i]
 * for the dK/dV kernel. dQ = scale * Σ_j P_ij (dP_ij − D_i) K_j with P recomputed from the lse.
 */
function backwardDq(c: AttnCfg, wg: number, KB = 4): Kernel {
  const key = `attn_rows_dq|${cfgKey(c)}|wg${wg}|kb${KB}`;
  const r = new Row(c);
  const T = r.T;
  const step = (ts: number[]) => {
    let block = ts
      .map(
        (t) => `    let j${t} = j0 + ${t}u;
    let kr${t} = kb0 + j${t} * p.v[1].w;
    let vr${t} = vb0 + j${t} * p.v[2].w;
    let p${t} = ${maskSel(
      c,
      t,
      `exp(${r.dot(
        (i) => `q${i}`,
        (i) => `K[kr${t} + ${i}u]`,
      )} - lse)`,
      '0.0',
    )};
    let dp${t} = ${r.dot(
      (i) => `g${i}`,
      (i) => `V[vr${t} + ${i}u]`,
    )};
`,
      )
      .join('');
    // With dropout dP is taken through the mask: dP = dP̃ * keep / (1 - p).
    if (c.drop) block += dropWeights(ts.length, 'dp', 'dpd');
    const dp = (t: number) => (c.drop ? `dpd${t}` : `dp${t}`);
    for (const t of ts) block += `    let ds${t} = p${t} * (${dp(t)} - dd);\n`;
    block += `${r.each((i) => `  acc${i} += ${ts.map((t) => `ds${t} * K[kr${t} + ${i}u]`).join(' + ')};`)}\n`;
    return block;
  };
  const code = () => {
    return `${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}
${attnMain(wg, 'i', 'p.Tq')}
  let qr = ${rowAt('q', 'i')};
  let orow = ${rowAt('o', 'i')};
  let gr = ${rowAt('dout', 'i')};
${r.each((i) => `let q${i} = Q[qr + ${i}u] * p.scale;`)}
${r.each((i) => `let g${i} = dO[gr + ${i}u];`)}
  let dd = ${r.dot(
    (i) => `g${i}`,
    (i) => `O[orow + ${i}u]`,
  )};
  let srow = bh * p.Tq + i;
  stats[p.B * p.H * p.Tq + srow] = dd;
  let lse = stats[srow];
${r.each((i) => `var acc${i} = ${T}(0.0);`)}
  let kb0 = ${rowAt('k', '0u')};
  let vb0 = ${rowAt('v', '0u')};
  let mb = b * p.Tk;
  let rrow = p.rngOff + srow * p.Tk4;
  let kend = ${c.causal ? causalKeyEnd('i') : 'p.Tk'};
${keyLoop('kend', KB, step)}
  let dqr = ${rowAt('dq', 'i')};
${r.each((i) => `dQ[dqr + ${i}u] = acc${i} * p.scale;`)}
}`;
  };
  return kernel({ name: `attention_rows_dq_d${c.D}`, key, bindings: attnBindings.dq(c, T), code });
}

/**
 * dK, dV (parallel over key rows, walking query rows in blocks of QB):
 * dV_j = Σ_i P̃_ij dO_i (P̃ with dropout applied), dK_j = scale * Σ_i P_ij (dP_ij − D_i) Q_i.
 */
function backwardDkv(c: AttnCfg, wg: number, QB = 2): Kernel {
  const key = `attn_rows_dkv|${cfgKey(c)}|wg${wg}|qb${QB}`;
  const r = new Row(c);
  const T = r.T;
  // With dropout, P̃ = P * keep / (1 - p) for dV and dP is taken through the same mask.
  const drop = (t: number) => `    let keep${t} = ${keepExpr(`(p.rngOff + (sb + i${t}) * p.Tk4)`, 'j')};
    let pv${t} = select(0.0, p${t} * p.dropScale, keep${t});
    dp${t} = select(0.0, dp${t} * p.dropScale, keep${t});
`;
  const step = (ts: number[]) => {
    let block = ts
      .map(
        (t) => `    let i${t} = j0 + ${t}u;
    let qr${t} = qb0 + i${t} * p.v[0].w;
    let gr${t} = gb0 + i${t} * p.v[4].w;
    let p${t} = exp(${r.dot(
      (i) => `Q[qr${t} + ${i}u]`,
      (i) => `ks${i}`,
    )} - stats[sb + i${t}]);
    var dp${t} = ${r.dot(
      (i) => `dO[gr${t} + ${i}u]`,
      (i) => `vv${i}`,
    )};
${c.drop ? drop(t) : ''}    let ds${t} = p${t} * (dp${t} - stats[db + i${t}]);
`,
      )
      .join('');
    const pv = (t: number) => (c.drop ? `pv${t}` : `p${t}`);
    block += `${r.each((i) => `  dv${i} += ${ts.map((t) => `${pv(t)} * dO[gr${t} + ${i}u]`).join(' + ')};`)}\n`;
    block += `${r.each((i) => `  dk${i} += ${ts.map((t) => `ds${t} * Q[qr${t} + ${i}u]`).join(' + ')};`)}\n`;
    return block;
  };
  const code = () => {
    return `${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}
${attnMain(wg, 'j', 'p.Tk')}
${r.each((i) => `var dk${i} = ${T}(0.0);`)}
${r.each((i) => `var dv${i} = ${T}(0.0);`)}
  // A padded key gets no probability from any query: its dK and dV are 0.
  if (${c.mask ? 'M[b * p.Tk + j] != 0.0' : 'true'}) {
    let kr = ${rowAt('k', 'j')};
    let vr = ${rowAt('v', 'j')};
${r.each((i) => `  let ks${i} = K[kr + ${i}u] * p.scale;`)}
${r.each((i) => `  let vv${i} = V[vr + ${i}u];`)}
    let qb0 = ${rowAt('q', '0u')};
    let gb0 = ${rowAt('dout', '0u')};
    let sb = bh * p.Tq;
    let db = p.B * p.H * p.Tq + sb;
    let qstart = ${c.causal ? causalQueryStart('j') : '0u'};
${keyLoop('p.Tq', QB, step, 'qstart')}
  }
  let dkr = ${rowAt('dk', 'j')};
  let dvr = ${rowAt('dv', 'j')};
${r.each((i) => `dK[dkr + ${i}u] = dk${i} * p.scale;`)}
${r.each((i) => `dV[dvr + ${i}u] = dv${i};`)}
}`;
  };
  return kernel({ name: `attention_rows_dkv_d${c.D}`, key, bindings: attnBindings.dkv(c, T), code });
}

/** Rows per workgroup of the row-per-invocation kernels. */
export const wgFor = (rows: number) => Math.min(64, Math.max(8, 2 ** Math.ceil(Math.log2(Math.max(rows, 1)))));

const rowLaunch =
  (make: (c: AttnCfg, wg: number) => Kernel) =>
  (c: AttnCfg, rows: number): AttnLaunch => {
    const wg = wgFor(rows);
    return { kernel: make(c, wg), rowsPerGroup: wg, pad: 0 };
  };

export const tiledShared: AttentionKernels = {
  forward: (c) => ({ kernel: forward(c), rowsPerGroup: WG, pad: 0 }),
  dq: rowLaunch(backwardDq),
  dkv: rowLaunch(backwardDkv),
};
