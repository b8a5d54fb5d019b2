// Attention v3 (subgroups): a subgroup of S lanes shares a block of R rows (query rows for the
// forward and dQ, key rows for dK/dV); each lane owns every S-th element of the head dim. Dot
// products are lane-partial and finished with subgroupAdd; the softmax state is replicated.
//
// Why (measured on llvmpipe, where a subgroup is the 8 SIMD lanes of one CPU thread): every
// storage-buffer load whose address is not provably uniform is a per-lane loop, and so is every
// access to a dynamically indexed private array, while FMAs and subgroup reductions are cheap.
// Here each loaded K/V (or Q/dO) element feeds R rows (R FMAs per load), lanes read consecutive
// elements, all per-row state lives in a few named registers, and the loop body holds only a
// handful of loads, so LLVM compiles it in seconds (the fully unrolled v1 took minutes at d = 64).
// Padding-mask values and backward row statistics are loaded S at a time and passed around with
// subgroupShuffle; dropout draws one Philox counter per lane and shares its words the same way.
import type { Kernel } from '../runtime.ts';
import { PHILOX_WGSL } from './random.ts';
import { BIG, NEG, PARAMS_WGSL, cfgKey, rowAt, type AttnCfg } from './attention_common.ts';

export interface SgShape {
  /** Subgroup size (fixed: subgroupMinSize == subgroupMaxSize). */
  S: number;
  /** Rows per subgroup (<= S; a multiple of 4 when dropout is on, for the dK/dV counters). */
  R: number;
  /** Subgroups per workgroup. */
  NB: number;
}

export const seq = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Buffer list entry: [name, element type, written]. */
export type SgBuffer = [string, string, boolean];

/** The kernel object for a generated shader (the runtime caches its pipeline by `key`). */
export function sgKernel(name: string, key: string, bufs: readonly SgBuffer[], code: () => string): Kernel {
  return { name, key, access: bufs.map(([, , rw]) => (rw ? 'rw' : 'read')), uniform: true, code };
}

/**
 * The dK/dV kernels' walk over query rows i: every S rows the lanes load S rows' logsumexp and
 * D = rowsum(dO∘O) at once, then row i's pair is shuffled out to all lanes as `lse` and `dd`.
 * Opens the loop (the caller closes it); `start` must be a multiple of S.
 */
export function queryRowStatsLoop(S: number, start = '0u'): string {
  return `  let sb = bh * p.Tq;
  let db = p.B * p.H * p.Tq + sb;
  var lsev = 0.0;
  var ddv = 0.0;
  for (var i = ${start}; i < p.Tq; i++) {
    if (i % ${S}u == 0u) {
      let il = min(i + lane, p.Tq - 1u);
      lsev = stats[sb + il];
      ddv = stats[db + il];
    }
    let lse = subgroupShuffle(lsev, i % ${S}u);
    let dd = subgroupShuffle(ddv, i % ${S}u);`;
}

/** Codegen for one lane's share of a head-dim row: G chunks at element lane + g*S. */
export class Lane {
  readonly nv: number;
  readonly G: number;
  readonly T: string;
  readonly gs: number[];
  constructor(readonly c: AttnCfg, readonly S: number) {
    this.nv = c.vec ? c.D / 4 : c.D;
    this.G = Math.ceil(this.nv / S);
    this.T = c.vec ? 'vec4<f32>' : 'f32';
    this.gs = seq(this.G);
  }
  /** The last chunk runs past the row when nv % S != 0: loads clamp and zero, stores skip. */
  guarded(g: number): boolean {
    return (g + 1) * this.S > this.nv;
  }
  prelude(): string {
    return this.gs.map((g) => `  let e${g} = lane + ${g * this.S}u;`).join('\n');
  }
  load(buf: string, base: string, g: number): string {
    return this.guarded(g)
      ? `select(${this.T}(0.0), ${buf}[${base} + min(e${g}, ${this.nv - 1}u)], e${g} < ${this.nv}u)`
      : `${buf}[${base} + e${g}]`;
  }
  store(buf: string, base: string, g: number, v: string): string {
    const s = `${buf}[${base} + e${g}] = ${v};`;
    return this.guarded(g) ? `if (e${g} < ${this.nv}u) { ${s} }` : s;
  }
  /** subgroupAdd of this lane's partial dot product. */
  dot(a: (g: number) => string, b: (g: number) => string): string {
    const terms = this.gs.map((g) => (this.c.vec ? `dot(${a(g)}, ${b(g)})` : `${a(g)} * ${b(g)}`));
    return `subgroupAdd(${terms.join(' + ')})`;
  }
}

/**
 * Per-row registers are loaded and stored in loops over the R rows with a runtime trip count
 * (p.pad = R), shifting the named registers down one row per step: one load/store site per head
 * chunk instead of R (each site is a per-lane loop on llvmpipe, and unrolled they made up most of
 * the shader and of its compile time).
 */
export function shift(R: number, vecs: string[], scalars: string[], gs: number[]): string {
  const out: string[] = [];
  for (let r = 0; r + 1 < R; r++) {
    for (const v of vecs) for (const g of gs) out.push(`${v}${r}_${g} = ${v}${r + 1}_${g};`);
    for (const sc of scalars) out.push(`${sc}${r} = ${sc}${r + 1};`);
  }
  return out.length ? '    ' + out.join(' ') : '';
}

/** Loop loading row r0+rr (clamped below `limit`) into the last registers, shifting the rest down. */
export function rolledLoad(R: number, vecs: string[], scalars: string[], gs: number[], limit: string, body: string): string {
  return `  for (var rr = 0u; rr < p.pad; rr++) {
    let row = min(r0 + rr, ${limit} - 1u);
${shift(R, vecs, scalars, gs)}
${body}
  }`;
}

/** Loop storing registers of row 0 for rows r0+rr below `limit`, then shifting the rest down. */
export function rolledStore(R: number, vecs: string[], scalars: string[], gs: number[], limit: string, body: string, pre = ''): string {
  return `  for (var rr = 0u; rr < p.pad; rr++) {${pre ? '\n' + pre : ''}
    if (r0 + rr < ${limit}) {
      let row = r0 + rr;
${body}
    }
${shift(R, vecs, scalars, gs)}
  }`;
}

export const header = (c: AttnCfg, bufs: readonly SgBuffer[], T: string) => `enable subgroups;
${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}
${bufs
  .map(([name, type, rw], i) => `@group(0) @binding(${i}) var<storage, ${rw ? 'read_write' : 'read'}> ${name}: array<${type === 'T' ? T : type}>;`)
  .join('\n')}
@group(0) @binding(${bufs.length}) var<uniform> p: P;`;

export const entry = (sh: SgShape) => `@compute @workgroup_size(${sh.S * sh.NB})
fn main(@builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32,
        @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let bh = wid.y + wid.z * nwg.y;
  if (bh >= p.B * p.H) { return; } // uniform: whole workgroups leave
  let b = bh / p.H;
  let h = bh % p.H;
  // Subgroups are taken to be consecutive runs of S invocations (as on llvmpipe).
  let r0 = (wid.x * ${sh.NB}u + li / ${sh.S}u) * ${sh.R}u;`;

/** Padding mask for key j, loaded S keys at a time and shuffled (call at the top of the key loop). */
export const maskStep = (S: number) => `    if (j % ${S}u == 0u) {
      let jm = j + lane;
      mk = select(0.0, M[mb + min(jm, p.Tk - 1u)], jm < p.Tk);
    }
    let keep = subgroupShuffle(mk, j % ${S}u) != 0.0;`;

/** Dropout words for keys j..j+3 of this lane's row (lane % R), refreshed every 4 keys. */
const dropStep = () => `    if ((j & 3u) == 0u) { rnd = rand_at(vec2<u32>(p.seedLo, p.seedHi), rctr + (j >> 2u), 0u); }
    let w = rnd[j & 3u];`;
const dropKeep = (r: number) => `(u01(subgroupShuffle(w, ${r}u)) >= p.dropP)`;

/** Forward: per query row, an online softmax over all keys; O and the logsumexp. */
/** The replicated softmax has no causal path: the chooser never picks v3 for a causal call. */
function noCausal(c: AttnCfg): void {
  if (c.causal) throw new Error('attention v3: causal masking is not implemented, got causal: true');
}

export function forwardV3(c: AttnCfg, sh: SgShape): Kernel {
  noCausal(c);
  const key = `attn_v3_fwd|${cfgKey(c)}|S${sh.S}|R${sh.R}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const bufs: SgBuffer[] = [['Q', 'T', false], ['K', 'T', false], ['V', 'T', false]];
  if (c.mask) bufs.push(['M', 'f32', false]);
  bufs.push(['O', 'T', true], ['stats', 'f32', true]);
  const code = () => `${header(c, bufs, L.T)}
${entry(sh)}
${L.prelude()}
${rs.map((r) => L.gs.map((g) => `  var q${r}_${g} = ${L.T}(0.0);\n  var a${r}_${g} = ${L.T}(0.0);`).join('\n')).join('\n')}
${rs.map((r) => `  var m${r} = ${NEG};\n  var l${r} = 0.0;`).join('\n')}
${rolledLoad(sh.R, ['q'], [], L.gs, 'p.Tq', `    let qr = ${rowAt('q', 'row')};\n${L.gs.map((g) => `    q${sh.R - 1}_${g} = ${L.load('Q', 'qr', g)} * p.scale;`).join('\n')}`)}
  let kb0 = ${rowAt('k', '0u')};
  let vb0 = ${rowAt('v', '0u')};
  let mb = b * p.Tk;
  var mk = 0.0;
  let rctr = p.rngOff + (bh * p.Tq + min(r0 + lane % ${sh.R}u, p.Tq - 1u)) * p.Tk4;
  var rnd = vec4<u32>(0u);
  for (var j = 0u; j < p.Tk; j++) {
${c.mask ? maskStep(sh.S) : ''}
${c.drop ? dropStep() : ''}
    let kr = kb0 + j * p.v[1].w;
    let vr = vb0 + j * p.v[2].w;
${L.gs.map((g) => `    let k${g} = ${L.load('K', 'kr', g)};`).join('\n')}
${rs
  .map((r) => {
    const s = L.dot((g) => `q${r}_${g}`, (g) => `k${g}`);
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
${rolledStore(sh.R, ['a'], ['m', 'l'], L.gs, 'p.Tq', `      let inv = select(0.0, 1.0 / l0, l0 > 0.0);
      let orow = ${rowAt('o', 'row')};
${L.gs.map((g) => `      ${L.store('O', 'orow', g, `a0_${g} * inv`)}`).join('\n')}
      if (lane == 0u) { stats[bh * p.Tq + row] = select(${BIG}, m0 + log(l0), l0 > 0.0); }`)}
}`;
  return sgKernel(`attention_v3_fwd_d${c.D}`, key, bufs, code);
}

/** dQ over query rows (and D = rowsum(dO ∘ O) into the second half of stats). */
export function backwardDqV3(c: AttnCfg, sh: SgShape): Kernel {
  noCausal(c);
  const key = `attn_v3_dq|${cfgKey(c)}|S${sh.S}|R${sh.R}|NB${sh.NB}`;
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const bufs: SgBuffer[] = [['Q', 'T', false], ['K', 'T', false], ['V', 'T', false], ['O', 'T', false], ['dO', 'T', false]];
  if (c.mask) bufs.push(['M', 'f32', false]);
  bufs.push(['dQ', 'T', true], ['stats', 'f32', true]);
  const code = () => `${header(c, bufs, L.T)}
${entry(sh)}
${L.prelude()}
${rs.map((r) => L.gs.map((g) => `  var q${r}_${g} = ${L.T}(0.0);\n  var g${r}_${g} = ${L.T}(0.0);\n  var a${r}_${g} = ${L.T}(0.0);`).join('\n') + `\n  var dd${r} = 0.0;\n  var lse${r} = 0.0;`).join('\n')}
${rolledLoad(sh.R, ['q', 'g'], ['dd', 'lse'], L.gs, 'p.Tq', `    let qr = ${rowAt('q', 'row')};
    let gr = ${rowAt('dout', 'row')};
    let orow = ${rowAt('o', 'row')};
${L.gs.map((g) => `    q${sh.R - 1}_${g} = ${L.load('Q', 'qr', g)} * p.scale;\n    g${sh.R - 1}_${g} = ${L.load('dO', 'gr', g)};`).join('\n')}
    dd${sh.R - 1} = ${L.dot((g) => `g${sh.R - 1}_${g}`, (g) => L.load('O', 'orow', g))};
    lse${sh.R - 1} = stats[bh * p.Tq + row];`)}
  let kb0 = ${rowAt('k', '0u')};
  let vb0 = ${rowAt('v', '0u')};
  let mb = b * p.Tk;
  var mk = 0.0;
  let rctr = p.rngOff + (bh * p.Tq + min(r0 + lane % ${sh.R}u, p.Tq - 1u)) * p.Tk4;
  var rnd = vec4<u32>(0u);
  for (var j = 0u; j < p.Tk; j++) {
${c.mask ? maskStep(sh.S) : ''}
${c.drop ? dropStep() : ''}
    let kr = kb0 + j * p.v[1].w;
    let vr = vb0 + j * p.v[2].w;
${L.gs.map((g) => `    let k${g} = ${L.load('K', 'kr', g)};\n    let v${g} = ${L.load('V', 'vr', g)};`).join('\n')}
${rs
  .map((r) => {
    const pe = `exp(${L.dot((g) => `q${r}_${g}`, (g) => `k${g}`)} - lse${r})`;
    const dp = L.dot((g) => `g${r}_${g}`, (g) => `v${g}`);
    return `    let p${r} = ${c.mask ? `select(0.0, ${pe}, keep)` : pe};
    let dp${r} = ${c.drop ? `select(0.0, ${dp} * p.dropScale, ${dropKeep(r)})` : dp};
    let ds${r} = p${r} * (dp${r} - dd${r});`;
  })
  .join('\n')}
${rs.map((r) => L.gs.map((g) => `    a${r}_${g} += ds${r} * k${g};`).join('\n')).join('\n')}
  }
${rolledStore(sh.R, ['a'], ['dd'], L.gs, 'p.Tq', `      let dqr = ${rowAt('dq', 'row')};
${L.gs.map((g) => `      ${L.store('dQ', 'dqr', g, `a0_${g} * p.scale`)}`).join('\n')}
      if (lane == 0u) { stats[p.B * p.H * p.Tq + bh * p.Tq + row] = dd0; }`)}
}`;
  return sgKernel(`attention_v3_dq_d${c.D}`, key, bufs, code);
}

/** dK and dV over key rows, walking all query rows. */
export function backwardDkvV3(c: AttnCfg, sh: SgShape): Kernel {
  noCausal(c);
  const key = `attn_v3_dkv|${cfgKey(c)}|S${sh.S}|R${sh.R}|NB${sh.NB}`;
  if (c.drop && sh.R % 4 !== 0) throw new Error('attention v3: dropout needs R % 4 == 0');
  const L = new Lane(c, sh.S);
  const rs = seq(sh.R);
  const S = sh.S;
  const bufs: SgBuffer[] = [['Q', 'T', false], ['K', 'T', false], ['V', 'T', false], ['dO', 'T', false]];
  if (c.mask) bufs.push(['M', 'f32', false]);
  bufs.push(['stats', 'f32', false], ['dK', 'T', true], ['dV', 'T', true]);
  const NC = Math.ceil(sh.R / 4); // Philox counters covering the block's keys for one query row
  const code = () => `${header(c, bufs, L.T)}
${entry(sh)}
${L.prelude()}
${rs.map((r) => L.gs.map((g) => `  var k${r}_${g} = ${L.T}(0.0);\n  var v${r}_${g} = ${L.T}(0.0);\n  var dk${r}_${g} = ${L.T}(0.0);\n  var dv${r}_${g} = ${L.T}(0.0);`).join('\n') + `\n  var keep${r} = true;`).join('\n')}
${rolledLoad(sh.R, ['k', 'v'], ['keep'], L.gs, 'p.Tk', `    let kr = ${rowAt('k', 'row')};
    let vr = ${rowAt('v', 'row')};
${L.gs.map((g) => `    k${sh.R - 1}_${g} = ${L.load('K', 'kr', g)} * p.scale;\n    v${sh.R - 1}_${g} = ${L.load('V', 'vr', g)};`).join('\n')}
    keep${sh.R - 1} = ${c.mask ? 'M[b * p.Tk + row] != 0.0' : 'true'};`)}
  let qb0 = ${rowAt('q', '0u')};
  let gb0 = ${rowAt('dout', '0u')};
${queryRowStatsLoop(S)}
${c.drop ? `    let rnd = rand_at(vec2<u32>(p.seedLo, p.seedHi), p.rngOff + (sb + i) * p.Tk4 + (r0 >> 2u) + lane % ${NC}u, 0u);` : ''}
    let qr = qb0 + i * p.v[0].w;
    let gr = gb0 + i * p.v[4].w;
${L.gs.map((g) => `    let q${g} = ${L.load('Q', 'qr', g)};\n    let g${g} = ${L.load('dO', 'gr', g)};`).join('\n')}
${rs
  .map((r) => {
    const pe = `exp(${L.dot((g) => `q${g}`, (g) => `k${r}_${g}`)} - lse)`;
    const dp = L.dot((g) => `g${g}`, (g) => `v${r}_${g}`);
    let s = `    let p${r} = ${c.mask ? `select(0.0, ${pe}, keep${r})` : pe};\n`;
    if (c.drop) {
      s += `    let kp${r} = u01(subgroupShuffle(rnd[${r & 3}], ${r >> 2}u)) >= p.dropP;
    let pv${r} = select(0.0, p${r} * p.dropScale, kp${r});
    let dp${r} = select(0.0, ${dp} * p.dropScale, kp${r});\n`;
    } else s += `    let dp${r} = ${dp};\n`;
    return s + `    let ds${r} = p${r} * (dp${r} - dd);`;
  })
  .join('\n')}
${rs.map((r) => L.gs.map((g) => `    dv${r}_${g} += ${c.drop ? 'pv' : 'p'}${r} * g${g};\n    dk${r}_${g} += ds${r} * q${g};`).join('\n')).join('\n')}
  }
${rolledStore(sh.R, ['dk', 'dv'], [], L.gs, 'p.Tk', `      let dkr = ${rowAt('dk', 'row')};
      let dvr = ${rowAt('dv', 'row')};
${L.gs.map((g) => `      ${L.store('dK', 'dkr', g, `dk0_${g} * p.scale`)}\n      ${L.store('dV', 'dvr', g, `dv0_${g}`)}`).join('\n')}`)}
}`;
  return sgKernel(`attention_v3_dkv_d${c.D}`, key, bufs, code);
}
