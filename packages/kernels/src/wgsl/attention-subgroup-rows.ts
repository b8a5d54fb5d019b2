// Attention 'subgroupRows', the choice on CPU rasterizers with fixed subgroups of <= 16 lanes
// (llvmpipe). A subgroup of S lanes shares a block of S rows (query rows for the forward and dQ, key
// rows for dK/dV); each lane owns every S-th element of the head dim, with a transposing reduction: the S lane-partial dot products of the S rows are summed by a butterfly of
// S - 1 subgroupShuffleXor steps that leaves lane t holding the full score of row t. The softmax
// (or dS) arithmetic then runs once per row instead of being replicated on every lane (S times
// fewer exp), and subgroupBroadcast hands each row's weight back for the FMAs. Needs R == S.
//
// Why (llvmpipe, where a subgroup is the SIMD lanes of one CPU thread): every storage load whose
// address is not provably uniform is a per-lane loop, and so is every access to a dynamically
// indexed private array, while FMAs and subgroup operations are cheap. Here each loaded K/V (or
// Q/dO) element feeds S rows, lanes read consecutive elements, per-row state lives in named
// registers, and the loop body holds a handful of loads, so LLVM compiles it in seconds. Padding
// mask values and backward row statistics are loaded S at a time and passed around with
// subgroupShuffle. The harness (`pnpm bench:variants attention`) compares it with the others.
import type { Kernel } from '../runtime.ts';
import {
  BIG,
  attnBindings,
  Lane,
  NEG,
  causalKeyEnd,
  causalQueryStart,
  causalSees,
  cfgKey,
  prologue,
  maskStep,
  queryRowStatsLoop,
  rolledLoad,
  rolledStore,
  rowAt,
  seq,
  sgKernel,
  sgKeyLoop,
  sgShape,
  type AttentionKernels,
  type AttnCfg,
  type AttnLaunch,
  type SgShape,
} from './attention-common.ts';

/**
 * WGSL computing `out` = full sum over the subgroup of x{lane} (the partial of row `lane`), from
 * lane-partials x0..x{S-1}: at each step a lane keeps the half of its rows whose index bit matches
 * its lane bit and adds the partner's partials of the same rows.
 */
export function transposeReduce(S: number, x: (r: number) => string, out: string, tag: string): string {
  let cur = seq(S).map(x);
  const lines: string[] = [];
  for (let bit = S >> 1, step = 0; bit >= 1; bit >>= 1, step++) {
    const half = cur.length / 2;
    const hi = `(lane & ${bit}u) != 0u`;
    const next: string[] = [];
    for (let k = 0; k < half; k++) {
      const name = `${tag}${step}_${k}`;
      lines.push(
        `    let ${name} = select(${cur[k]}, ${cur[k + half]}, ${hi}) + subgroupShuffleXor(select(${cur[k + half]}, ${cur[k]}, ${hi}), ${bit}u);`,
      );
      next.push(name);
    }
    cur = next;
  }
  lines.push(`    let ${out} = ${cur[0]};`);
  return lines.join('\n');
}

/** Partial (this lane's chunks) dot product, no reduction. */
const pdot = (L: Lane, a: (g: number) => string, b: (g: number) => string) =>
  L.gs.map((g) => (L.c.vec ? `dot(${a(g)}, ${b(g)})` : `${a(g)} * ${b(g)}`)).join(' + ');

const dropOwn = `    if ((j & 3u) == 0u) { rnd = rand_at(vec2<u32>(p.seedLo, p.seedHi), rctr + (j >> 2u), 0u); }
    let kp = u01(rnd[j & 3u]) >= p.dropP;`;

/** `ok`: this lane's row sees key j (padding mask and causal order); '' when every key counts. */
function okLine(c: AttnCfg, row: string, key: string): string {
  const parts = [...(c.mask ? ['keep'] : []), ...(c.causal ? [causalSees(row, key)] : [])];
  return parts.length ? `    let ok = ${parts.join(' && ')};` : '';
}

/** Causal: the key (or query) walk a workgroup needs, a uniform bound (subgroup ops inside). */
const firstRow = (sh: SgShape) => `wid.x * ${sh.NB * sh.R}u`;
const keyEnd = (c: AttnCfg, sh: SgShape) =>
  c.causal ? causalKeyEnd(`${firstRow(sh)} + ${sh.NB * sh.R - 1}u`) : 'p.Tk';
const queryStart = (c: AttnCfg, sh: SgShape) =>
  c.causal ? `${causalQueryStart(firstRow(sh))} / ${sh.S}u * ${sh.S}u` : '0u';

/** Per key: the padding mask, whether this lane's row sees the key, its dropout decision. */
const perKey = (c: AttnCfg, sh: SgShape) =>
  `${c.mask ? maskStep(sh.S) : ''}\n${okLine(c, 'r0 + lane', 'j')}\n${c.drop ? dropOwn : ''}`;

function check(sh: SgShape): void {
  if (sh.R !== sh.S || (sh.S & (sh.S - 1)) !== 0)
    throw new Error(`attention subgroupRows: needs R == S, a power of two (got R ${sh.R}, S ${sh.S})`);
}

function forward(c: AttnCfg, sh: SgShape): Kernel {
  check(sh);
  const key = `attn_sgrows_fwd|${cfgKey(c)}|S${sh.S}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const code = () => `${prologue(c, sh, L)}
${rs.map((r) => L.gs.map((g) => `  var q${r}_${g} = ${L.T}(0.0);\n  var a${r}_${g} = ${L.T}(0.0);`).join('\n')).join('\n')}
${rolledLoad(sh.R, ['q'], [], L.gs, 'p.Tq', `    let qr = ${rowAt('q', 'row')};\n${L.gs.map((g) => `    q${sh.R - 1}_${g} = ${L.load('Q', 'qr', g)} * p.scale;`).join('\n')}`)}
  // Softmax state of this lane's own row r0 + lane.
  var m = ${NEG};
  var l = 0.0;
${sgKeyLoop(keyEnd(c, sh), 'r0 + lane', perKey(c, sh))}
${L.gs.map((g) => `    let k${g} = ${L.load('K', 'kr', g)};`).join('\n')}
${rs
  .map(
    (r) =>
      `    let x${r} = ${pdot(
        L,
        (g) => `q${r}_${g}`,
        (g) => `k${g}`,
      )};`,
  )
  .join('\n')}
${transposeReduce(sh.S, (r) => `x${r}`, 's', 't')}
    let mn = ${c.mask || c.causal ? 'select(m, max(m, s), ok)' : 'max(m, s)'};
    let corr = exp(m - mn);
    let pe = ${c.mask || c.causal ? 'select(0.0, exp(s - mn), ok)' : 'exp(s - mn)'};
    l = l * corr + pe;
    m = mn;
    let pd = ${c.drop ? 'select(0.0, pe * p.dropScale, kp)' : 'pe'};
${L.gs.map((g) => `    let v${g} = ${L.load('V', 'vr', g)};`).join('\n')}
${rs.map((r) => `    let c${r} = subgroupBroadcast(corr, ${r}u);\n    let p${r} = subgroupBroadcast(pd, ${r}u);\n${L.gs.map((g) => `    a${r}_${g} = a${r}_${g} * c${r} + p${r} * v${g};`).join('\n')}`).join('\n')}
  }
  // A row whose keys are all padded has l == 0: output 0, logsumexp BIG (zero gradients).
  if (r0 + lane < p.Tq) { stats[bh * p.Tq + r0 + lane] = select(${BIG}, m + log(l), l > 0.0); }
  let inv = select(0.0, 1.0 / l, l > 0.0);
${rolledStore(
  sh.R,
  ['a'],
  [],
  L.gs,
  'p.Tq',
  `      let orow = ${rowAt('o', 'row')};
${L.gs.map((g) => `      ${L.store('O', 'orow', g, `a0_${g} * ir`)}`).join('\n')}`,
  '    let ir = subgroupShuffle(inv, rr); // outside the branch: subgroup ops need uniform control flow',
)}
}`;
  return sgKernel(`attention_sgrows_fwd_d${c.D}`, key, attnBindings.forward(c, L.T), code);
}

function backwardDq(c: AttnCfg, sh: SgShape): Kernel {
  check(sh);
  const key = `attn_sgrows_dq|${cfgKey(c)}|S${sh.S}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const code = () => `${prologue(c, sh, L)}
${rs.map((r) => `${L.gs.map((g) => `  var q${r}_${g} = ${L.T}(0.0);\n  var g${r}_${g} = ${L.T}(0.0);\n  var a${r}_${g} = ${L.T}(0.0);`).join('\n')}\n  var y${r} = 0.0;`).join('\n')}
${rolledLoad(
  sh.R,
  ['q', 'g'],
  ['y'],
  L.gs,
  'p.Tq',
  `    let qr = ${rowAt('q', 'row')};
    let gr = ${rowAt('dout', 'row')};
    let orow = ${rowAt('o', 'row')};
${L.gs.map((g) => `    q${sh.R - 1}_${g} = ${L.load('Q', 'qr', g)} * p.scale;\n    g${sh.R - 1}_${g} = ${L.load('dO', 'gr', g)};`).join('\n')}
    y${sh.R - 1} = ${pdot(
      L,
      (g) => `g${sh.R - 1}_${g}`,
      (g) => L.load('O', 'orow', g),
    )};`,
)}
  // This lane's own row: D = rowsum(dO ∘ O) and the logsumexp.
${transposeReduce(sh.S, (r) => `y${r}`, 'dd', 'u')}
  let lse = stats[bh * p.Tq + min(r0 + lane, p.Tq - 1u)];
${sgKeyLoop(keyEnd(c, sh), 'r0 + lane', perKey(c, sh))}
${L.gs.map((g) => `    let k${g} = ${L.load('K', 'kr', g)};\n    let v${g} = ${L.load('V', 'vr', g)};`).join('\n')}
${rs
  .map(
    (r) =>
      `    let xs${r} = ${pdot(
        L,
        (g) => `q${r}_${g}`,
        (g) => `k${g}`,
      )};\n    let xd${r} = ${pdot(
        L,
        (g) => `g${r}_${g}`,
        (g) => `v${g}`,
      )};`,
  )
  .join('\n')}
${transposeReduce(sh.S, (r) => `xs${r}`, 's', 't')}
${transposeReduce(sh.S, (r) => `xd${r}`, 'dp0', 'w')}
    let pe = ${c.mask || c.causal ? 'select(0.0, exp(s - lse), ok)' : 'exp(s - lse)'};
    let dp = ${c.drop ? 'select(0.0, dp0 * p.dropScale, kp)' : 'dp0'};
    let ds = pe * (dp - dd);
${rs.map((r) => `    let ds${r} = subgroupBroadcast(ds, ${r}u);\n${L.gs.map((g) => `    a${r}_${g} += ds${r} * k${g};`).join('\n')}`).join('\n')}
  }
  if (r0 + lane < p.Tq) { stats[p.B * p.H * p.Tq + bh * p.Tq + r0 + lane] = dd; }
${rolledStore(
  sh.R,
  ['a'],
  [],
  L.gs,
  'p.Tq',
  `      let dqr = ${rowAt('dq', 'row')};
${L.gs.map((g) => `      ${L.store('dQ', 'dqr', g, `a0_${g} * p.scale`)}`).join('\n')}`,
)}
}`;
  return sgKernel(`attention_sgrows_dq_d${c.D}`, key, attnBindings.dq(c, L.T), code);
}

function backwardDkv(c: AttnCfg, sh: SgShape): Kernel {
  check(sh);
  const key = `attn_sgrows_dkv|${cfgKey(c)}|S${sh.S}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const S = sh.S;
  const code = () => `${prologue(c, sh, L)}
${rs.map((r) => L.gs.map((g) => `  var k${r}_${g} = ${L.T}(0.0);\n  var v${r}_${g} = ${L.T}(0.0);\n  var dk${r}_${g} = ${L.T}(0.0);\n  var dv${r}_${g} = ${L.T}(0.0);`).join('\n')).join('\n')}
${rolledLoad(
  sh.R,
  ['k', 'v'],
  [],
  L.gs,
  'p.Tk',
  `    let kr = ${rowAt('k', 'row')};
    let vr = ${rowAt('v', 'row')};
${L.gs.map((g) => `    k${sh.R - 1}_${g} = ${L.load('K', 'kr', g)} * p.scale;\n    v${sh.R - 1}_${g} = ${L.load('V', 'vr', g)};`).join('\n')}`,
)}
  // This lane's own key row r0 + lane.
  let jo = min(r0 + lane, p.Tk - 1u);
  let keep = ${c.mask ? 'M[b * p.Tk + jo] != 0.0' : 'true'};
  let qb0 = ${rowAt('q', '0u')};
  let gb0 = ${rowAt('dout', '0u')};
${queryRowStatsLoop(S, queryStart(c, sh))}
${okLine(c, 'i', 'jo')}
    let qr = qb0 + i * p.v[0].w;
    let gr = gb0 + i * p.v[4].w;
${L.gs.map((g) => `    let q${g} = ${L.load('Q', 'qr', g)};\n    let g${g} = ${L.load('dO', 'gr', g)};`).join('\n')}
${rs
  .map(
    (r) =>
      `    let xs${r} = ${pdot(
        L,
        (g) => `q${g}`,
        (g) => `k${r}_${g}`,
      )};\n    let xd${r} = ${pdot(
        L,
        (g) => `g${g}`,
        (g) => `v${r}_${g}`,
      )};`,
  )
  .join('\n')}
${transposeReduce(S, (r) => `xs${r}`, 's', 't')}
${transposeReduce(S, (r) => `xd${r}`, 'dp0', 'w')}
    let pe = ${c.mask || c.causal ? 'select(0.0, exp(s - lse), ok)' : 'exp(s - lse)'};
${
  c.drop
    ? `    let kp = u01(rand_at(vec2<u32>(p.seedLo, p.seedHi), p.rngOff + (sb + i) * p.Tk4 + (jo >> 2u), 0u)[jo & 3u]) >= p.dropP;
    let pv = select(0.0, pe * p.dropScale, kp);
    let dp = select(0.0, dp0 * p.dropScale, kp);`
    : '    let pv = pe;\n    let dp = dp0;'
}
    let ds = pe * (dp - dd);
${rs.map((r) => `    let pv${r} = subgroupBroadcast(pv, ${r}u);\n    let ds${r} = subgroupBroadcast(ds, ${r}u);\n${L.gs.map((g) => `    dv${r}_${g} += pv${r} * g${g};\n    dk${r}_${g} += ds${r} * q${g};`).join('\n')}`).join('\n')}
  }
${rolledStore(
  sh.R,
  ['dk', 'dv'],
  [],
  L.gs,
  'p.Tk',
  `      let dkr = ${rowAt('dk', 'row')};
      let dvr = ${rowAt('dv', 'row')};
${L.gs.map((g) => `      ${L.store('dK', 'dkr', g, `dk0_${g} * p.scale`)}\n      ${L.store('dV', 'dvr', g, `dv0_${g}`)}`).join('\n')}`,
)}
}`;
  return sgKernel(`attention_sgrows_dkv_d${c.D}`, key, attnBindings.dkv(c, L.T), code);
}

/** The device's fixed subgroup size, which this variant needs. */
export function subgroupRowsSize(info: { subgroupSize: number | null }): number | null {
  const S = info.subgroupSize;
  return S && S >= 4 && S <= 16 && (S & (S - 1)) === 0 ? S : null;
}

function launch(make: (c: AttnCfg, sh: SgShape) => Kernel, S: number) {
  return (c: AttnCfg, rows: number): AttnLaunch => {
    const sh = sgShape(rows, S, S);
    return { kernel: make(c, sh), rowsPerGroup: sh.NB * sh.R, pad: sh.R };
  };
}

/** The variant for subgroups of S lanes (R = S rows per subgroup). */
export function subgroupRows(S: number): AttentionKernels {
  return { forward: launch(forward, S), dq: launch(backwardDq, S), dkv: launch(backwardDkv, S) };
}
