// Attention 'subgroupReplicated': a subgroup of S lanes shares a block of R = min(8, S) rows; each
// lane owns every S-th element of the head dim. Dot products are lane-partial and finished with
// subgroupAdd; the softmax state is replicated on every lane. Superseded by subgroupRows (its
// transposing reduction runs the softmax once per row instead of on every lane): llvmpipe
// 8x12x128x64 fwd 37-56 ms vs 26-39, fwd+bwd 134-208 vs 94-141. Rows per subgroup R = 8 was the
// best of 1/2/4/8. No causal path.
import {
  BIG,
  attnBindings,
  Lane,
  NEG,
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
  type Kernel,
  type SgShape,
} from '@jepa/kernels/variants';

/** Dropout words for keys j..j+3 of this lane's row (lane % R), refreshed every 4 keys. */
const dropStep = () => `    if ((j & 3u) == 0u) { rnd = rand_at(vec2<u32>(p.seedLo, p.seedHi), rctr + (j >> 2u), 0u); }
    let w = rnd[j & 3u];`;
const dropKeep = (r: number) => `(u01(subgroupShuffle(w, ${r}u)) >= p.dropP)`;

/** Forward: per query row, an online softmax over all keys; O and the logsumexp. */
/** The replicated softmax has no causal path (only the harness and its tests run this variant). */
function noCausal(c: AttnCfg): void {
  if (c.causal) throw new Error('attention subgroupReplicated: causal masking is not implemented, got causal: true');
}

function forward(c: AttnCfg, sh: SgShape): Kernel {
  noCausal(c);
  const key = `attn_sgrep_fwd|${cfgKey(c)}|S${sh.S}|R${sh.R}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const code = () => `${prologue(c, sh, L)}
${rs.map((r) => L.gs.map((g) => `  var q${r}_${g} = ${L.T}(0.0);\n  var a${r}_${g} = ${L.T}(0.0);`).join('\n')).join('\n')}
${rs.map((r) => `  var m${r} = ${NEG};\n  var l${r} = 0.0;`).join('\n')}
${rolledLoad(sh.R, ['q'], [], L.gs, 'p.Tq', `    let qr = ${rowAt('q', 'row')};\n${L.gs.map((g) => `    q${sh.R - 1}_${g} = ${L.load('Q', 'qr', g)} * p.scale;`).join('\n')}`)}
${sgKeyLoop('p.Tk', `r0 + lane % ${sh.R}u`, `${c.mask ? maskStep(sh.S) : ''}\n${c.drop ? dropStep() : ''}`)}
${L.gs.map((g) => `    let k${g} = ${L.load('K', 'kr', g)};`).join('\n')}
${rs
  .map((r) => {
    const s = L.dot(
      (g) => `q${r}_${g}`,
      (g) => `k${g}`,
    );
    const mn = c.mask ? `select(m${r}, max(m${r}, s${r}), keep)` : `max(m${r}, s${r})`;
    const pe = c.mask ? `select(0.0, exp(s${r} - mn${r}), keep)` : `exp(s${r} - mn${r})`;
    return `    let s${r} = ${s};
    let mn${r} = ${mn};
    let c${r} = exp(m${r} - mn${r});
    let p${r} = ${pe};
    l${r} = l${r} * c${r} + p${r};
    m${r} = mn${r};${c.drop ? `\n    let pd${r} = select(0.0, p${r} * p.dropScale, ${dropKeep(r)});` : ''}`;
  })
  .join('\n')}
${L.gs.map((g) => `    let v${g} = ${L.load('V', 'vr', g)};`).join('\n')}
${rs.map((r) => L.gs.map((g) => `    a${r}_${g} = a${r}_${g} * c${r} + ${c.drop ? 'pd' : 'p'}${r} * v${g};`).join('\n')).join('\n')}
  }
  // A row whose keys are all padded has l == 0: output 0, logsumexp BIG (zero gradients).
${rolledStore(
  sh.R,
  ['a'],
  ['m', 'l'],
  L.gs,
  'p.Tq',
  `      let inv = select(0.0, 1.0 / l0, l0 > 0.0);
      let orow = ${rowAt('o', 'row')};
${L.gs.map((g) => `      ${L.store('O', 'orow', g, `a0_${g} * inv`)}`).join('\n')}
      if (lane == 0u) { stats[bh * p.Tq + row] = select(${BIG}, m0 + log(l0), l0 > 0.0); }`,
)}
}`;
  return sgKernel(`attention_sgrep_fwd_d${c.D}`, key, attnBindings.forward(c, L.T), code);
}

/** dQ over query rows (and D = rowsum(dO ∘ O) into the second half of stats). */
function backwardDq(c: AttnCfg, sh: SgShape): Kernel {
  noCausal(c);
  const key = `attn_sgrep_dq|${cfgKey(c)}|S${sh.S}|R${sh.R}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const code = () => `${prologue(c, sh, L)}
${rs.map((r) => `${L.gs.map((g) => `  var q${r}_${g} = ${L.T}(0.0);\n  var g${r}_${g} = ${L.T}(0.0);\n  var a${r}_${g} = ${L.T}(0.0);`).join('\n')}\n  var dd${r} = 0.0;\n  var lse${r} = 0.0;`).join('\n')}
${rolledLoad(
  sh.R,
  ['q', 'g'],
  ['dd', 'lse'],
  L.gs,
  'p.Tq',
  `    let qr = ${rowAt('q', 'row')};
    let gr = ${rowAt('dout', 'row')};
    let orow = ${rowAt('o', 'row')};
${L.gs.map((g) => `    q${sh.R - 1}_${g} = ${L.load('Q', 'qr', g)} * p.scale;\n    g${sh.R - 1}_${g} = ${L.load('dO', 'gr', g)};`).join('\n')}
    dd${sh.R - 1} = ${L.dot(
      (g) => `g${sh.R - 1}_${g}`,
      (g) => L.load('O', 'orow', g),
    )};
    lse${sh.R - 1} = stats[bh * p.Tq + row];`,
)}
${sgKeyLoop('p.Tk', `r0 + lane % ${sh.R}u`, `${c.mask ? maskStep(sh.S) : ''}\n${c.drop ? dropStep() : ''}`)}
${L.gs.map((g) => `    let k${g} = ${L.load('K', 'kr', g)};\n    let v${g} = ${L.load('V', 'vr', g)};`).join('\n')}
${rs
  .map((r) => {
    const pe = `exp(${L.dot(
      (g) => `q${r}_${g}`,
      (g) => `k${g}`,
    )} - lse${r})`;
    const dp = L.dot(
      (g) => `g${r}_${g}`,
      (g) => `v${g}`,
    );
    return `    let p${r} = ${c.mask ? `select(0.0, ${pe}, keep)` : pe};
    let dp${r} = ${c.drop ? `select(0.0, ${dp} * p.dropScale, ${dropKeep(r)})` : dp};
    let ds${r} = p${r} * (dp${r} - dd${r});`;
  })
  .join('\n')}
${rs.map((r) => L.gs.map((g) => `    a${r}_${g} += ds${r} * k${g};`).join('\n')).join('\n')}
  }
${rolledStore(
  sh.R,
  ['a'],
  ['dd'],
  L.gs,
  'p.Tq',
  `      let dqr = ${rowAt('dq', 'row')};
${L.gs.map((g) => `      ${L.store('dQ', 'dqr', g, `a0_${g} * p.scale`)}`).join('\n')}
      if (lane == 0u) { stats[p.B * p.H * p.Tq + bh * p.Tq + row] = dd0; }`,
)}
}`;
  return sgKernel(`attention_sgrep_dq_d${c.D}`, key, attnBindings.dq(c, L.T), code);
}

/** dK and dV over key rows, walking all query rows. */
function backwardDkv(c: AttnCfg, sh: SgShape): Kernel {
  noCausal(c);
  const key = `attn_sgrep_dkv|${cfgKey(c)}|S${sh.S}|R${sh.R}|NB${sh.NB}`;
  if (c.drop && sh.R % 4 !== 0) throw new Error('attention subgroupReplicated: dropout needs R % 4 == 0');
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const S = sh.S;
  const NC = Math.ceil(sh.R / 4); // Philox counters covering the block's keys for one query row
  const code = () => `${prologue(c, sh, L)}
${rs.map((r) => `${L.gs.map((g) => `  var k${r}_${g} = ${L.T}(0.0);\n  var v${r}_${g} = ${L.T}(0.0);\n  var dk${r}_${g} = ${L.T}(0.0);\n  var dv${r}_${g} = ${L.T}(0.0);`).join('\n')}\n  var keep${r} = true;`).join('\n')}
${rolledLoad(
  sh.R,
  ['k', 'v'],
  ['keep'],
  L.gs,
  'p.Tk',
  `    let kr = ${rowAt('k', 'row')};
    let vr = ${rowAt('v', 'row')};
${L.gs.map((g) => `    k${sh.R - 1}_${g} = ${L.load('K', 'kr', g)} * p.scale;\n    v${sh.R - 1}_${g} = ${L.load('V', 'vr', g)};`).join('\n')}
    keep${sh.R - 1} = ${c.mask ? 'M[b * p.Tk + row] != 0.0' : 'true'};`,
)}
  let qb0 = ${rowAt('q', '0u')};
  let gb0 = ${rowAt('dout', '0u')};
${queryRowStatsLoop(S)}
${c.drop ? `    let rnd = rand_at(vec2<u32>(p.seedLo, p.seedHi), p.rngOff + (sb + i) * p.Tk4 + (r0 >> 2u) + lane % ${NC}u, 0u);` : ''}
    let qr = qb0 + i * p.v[0].w;
    let gr = gb0 + i * p.v[4].w;
${L.gs.map((g) => `    let q${g} = ${L.load('Q', 'qr', g)};\n    let g${g} = ${L.load('dO', 'gr', g)};`).join('\n')}
${rs
  .map((r) => {
    const pe = `exp(${L.dot(
      (g) => `q${g}`,
      (g) => `k${r}_${g}`,
    )} - lse)`;
    const dp = L.dot(
      (g) => `g${g}`,
      (g) => `v${r}_${g}`,
    );
    let s = `    let p${r} = ${c.mask ? `select(0.0, ${pe}, keep${r})` : pe};\n`;
    if (c.drop) {
      s += `    let kp${r} = u01(subgroupShuffle(rnd[${r & 3}], ${r >> 2}u)) >= p.dropP;
    let pv${r} = select(0.0, p${r} * p.dropScale, kp${r});
    let dp${r} = select(0.0, ${dp} * p.dropScale, kp${r});\n`;
    } else s += `    let dp${r} = ${dp};\n`;
    return `${s}    let ds${r} = p${r} * (dp${r} - dd);`;
  })
  .join('\n')}
${rs.map((r) => L.gs.map((g) => `    dv${r}_${g} += ${c.drop ? 'pv' : 'p'}${r} * g${g};\n    dk${r}_${g} += ds${r} * q${g};`).join('\n')).join('\n')}
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
  return sgKernel(`attention_sgrep_dkv_d${c.D}`, key, attnBindings.dkv(c, L.T), code);
}

function launch(make: (c: AttnCfg, sh: SgShape) => Kernel, S: number) {
  return (c: AttnCfg, rows: number): AttnLaunch => {
    const sh = sgShape(rows, S, Math.min(8, S));
    return { kernel: make(c, sh), rowsPerGroup: sh.NB * sh.R, pad: sh.R };
  };
}

/** The variant for subgroups of S lanes. */
export function subgroupReplicated(S: number): AttentionKernels {
  return { forward: launch(forward, S), dq: launch(backwardDq, S), dkv: launch(backwardDkv, S) };
}
