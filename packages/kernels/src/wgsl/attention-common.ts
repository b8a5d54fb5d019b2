// Shared pieces of the fused attention kernels: the uniform block, view addressing, causal masking,
// the variant interface, code generation helpers, and those of the subgroup designs. Every kernel holds a head-dim row in registers as D/4 vec4 (or D scalar)
// named variables, unrolled here, so no kernel depends on the shader compiler unrolling loops or
// promoting private arrays to registers (llvmpipe keeps dynamically indexed arrays in memory).

import type { Kernel } from '../runtime.ts';
import { kernel, type Binding } from './common.ts';
import { PHILOX_WGSL } from './random.ts';

/** Index of each tensor view in the uniform's `v` array: (offset, batch, head, row) strides. */
export const VIEW = { q: 0, k: 1, v: 2, o: 3, dout: 4, dq: 5, dk: 6, dv: 7 } as const;
export type ViewName = keyof typeof VIEW;

/** Masked keys score this much before the max: far below any real score, far from overflow. */
export const NEG = '-1.0e30';
/** logsumexp stored for a row with no unmasked key: exp(s - BIG) = 0 in backward. */
export const BIG = '3.0e38';

export interface AttnCfg {
  /** Head dim. */
  D: number;
  /** vec4 loads (D % 4 == 0 and 4-aligned strides/offsets). */
  vec: boolean;
  mask: boolean;
  drop: boolean;
  /** Query i sees keys j <= i + Tk - Tq (bottom-right aligned). */
  causal: boolean;
}

export const PARAMS_WGSL = `
struct P { B: u32, H: u32, Tq: u32, Tk: u32, scale: f32, dropP: f32, dropScale: f32, seedLo: u32,
  seedHi: u32, rngOff: u32, Tk4: u32, pad: u32, v: array<vec4<u32>, 8> };
// pad: rows per subgroup in the subgroup designs (a runtime trip count, so the row loops stay rolled).`;

export function cfgKey(c: AttnCfg): string {
  return `D${c.D}|${c.vec ? 'v4' : 's'}|${c.mask ? 'm' : 'nm'}|${c.drop ? 'd' : 'nd'}${c.causal ? '|c' : ''}`;
}

// Causal masking, bottom-right aligned: query i sees keys j <= i + (Tk - Tq), so the last query
// sees every key (for Tq == Tk this is the usual lower triangle). Signed: Tk - Tq may be negative.
const OFF = '(i32(p.Tk) - i32(p.Tq))';
/** Keys visible to query row `i` end before this (u32, in 0..Tk). */
export const causalKeyEnd = (i: string): string => `u32(clamp(i32(${i}) + ${OFF} + 1, 0, i32(p.Tk)))`;
/** Query rows that see key `j` start here (u32, in 0..Tq). */
export const causalQueryStart = (j: string): string => `u32(clamp(i32(${j}) - ${OFF}, 0, i32(p.Tq)))`;
/** Whether query row `i` sees key `j`. */
export const causalSees = (i: string, j: string): string => `(i32(${j}) <= i32(${i}) + ${OFF})`;

/** Codegen over one head-dim row: `n` registers of type `T`. */
export class Row {
  readonly n: number;
  readonly T: string;
  constructor(readonly c: AttnCfg) {
    this.n = c.vec ? c.D / 4 : c.D;
    this.T = c.vec ? 'vec4<f32>' : 'f32';
  }
  /** One statement per register, `f(i)` giving the statement for register i. */
  each(f: (i: number) => string): string {
    return Array.from({ length: this.n }, (_, i) => `  ${f(i)}`).join('\n');
  }
  /** Sum over registers of dot(a_i, b_i), as 4 interleaved partial sums for ILP. */
  dot(a: (i: number) => string, b: (i: number) => string): string {
    const parts: string[][] = [[], [], [], []];
    for (let i = 0; i < this.n; i++) {
      parts[i % 4].push(this.c.vec ? `dot(${a(i)}, ${b(i)})` : `${a(i)} * ${b(i)}`);
    }
    return parts
      .filter((p) => p.length)
      .map((p) => `(${p.join(' + ')})`)
      .join(' + ');
  }
}

/** Element index of row `t` of view `name` at (b, h) (strides in units of the row type). */
export const rowAt = (name: ViewName, t: string): string => {
  const i = VIEW[name];
  return `(p.v[${i}].x + b * p.v[${i}].y + h * p.v[${i}].z + ${t} * p.v[${i}].w)`;
};

/** Entry point for a grid of (row blocks, B*H folded into y/z): defines bh, b, h and the row r. */
export function attnMain(wg: number, rowVar: string, rowsExpr: string): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let bh = wid.y + wid.z * nwg.y;
  if (bh >= p.B * p.H) { return; }
  let b = bh / p.H;
  let h = bh % p.H;
  let ${rowVar} = wid.x * ${wg}u + lid.x;
  if (${rowVar} >= ${rowsExpr}) { return; }`;
}

/** Dropout keep test for score (row counter base `rowCtr`, key j): word j%4 of counter j/4. */
export function keepExpr(rowCtr: string, j: string): string {
  return `(u01(rand_at(vec2<u32>(p.seedLo, p.seedHi), ${rowCtr} + (${j} >> 2u), 0u)[${j} & 3u]) >= p.dropP)`;
}

/** Workgroups for `rows` rows of `wg` invocations per (b, h), B*H folded past 65535. */
export function attnGrid(rows: number, wg: number, BH: number): [number, number, number] {
  const x = Math.ceil(rows / wg);
  if (BH <= 65535) return [x, BH, 1];
  const z = Math.ceil(BH / 65535);
  return [x, Math.ceil(BH / z), z];
}

/** Each kernel's storage buffers in dispatch order (T: the head-dim row type). */
export const attnBindings = {
  forward: (c: AttnCfg, T: string): Binding[] => [
    ['Q', T],
    ['K', T],
    ['V', T],
    c.mask && ['M', 'f32'],
    ['O', T, 'rw'],
    ['stats', 'f32', 'rw'],
  ],
  dq: (c: AttnCfg, T: string): Binding[] => [
    ['Q', T],
    ['K', T],
    ['V', T],
    ['O', T],
    ['dO', T],
    c.mask && ['M', 'f32'],
    ['dQ', T, 'rw'],
    ['stats', 'f32', 'rw'],
  ],
  dkv: (c: AttnCfg, T: string): Binding[] => [
    ['Q', T],
    ['K', T],
    ['V', T],
    ['dO', T],
    c.mask && ['M', 'f32'],
    ['stats', 'f32'],
    ['dK', T, 'rw'],
    ['dV', T, 'rw'],
  ],
};

/** One launch of a variant's kernel: rows of the walked side per workgroup, and the uniform's `pad`. */
export interface AttnLaunch {
  kernel: Kernel;
  rowsPerGroup: number;
  pad: number;
}

/** A variant: the forward, dQ (parallel over query rows) and dK/dV (over key rows) kernels for
 *  `rows` rows. Extra variants live in benchmarks/variants/. */
export interface AttentionKernels {
  forward(c: AttnCfg, Tq: number): AttnLaunch;
  dq(c: AttnCfg, Tq: number): AttnLaunch;
  dkv(c: AttnCfg, Tk: number): AttnLaunch;
}

// ---- subgroup designs: a subgroup of S lanes shares a block of R rows, lanes split the head dim ----

export interface SgShape {
  /** Subgroup size (fixed: subgroupMinSize == subgroupMaxSize). */
  S: number;
  /** Rows per subgroup (<= S; a multiple of 4 when dropout is on, for the dK/dV counters). */
  R: number;
  /** Subgroups per workgroup. */
  NB: number;
}

export const seq = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The kernel object for a generated subgroup shader (the runtime caches its pipeline by `key`). */
export function sgKernel(name: string, key: string, bindings: readonly Binding[], code: () => string): Kernel {
  return kernel({ name, key, enable: 'subgroups', bindings, code });
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
  constructor(
    readonly c: AttnCfg,
    readonly S: number,
  ) {
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
  return out.length ? `    ${out.join(' ')}` : '';
}

/** Loop loading row r0+rr (clamped below `limit`) into the last registers, shifting the rest down. */
export function rolledLoad(
  R: number,
  vecs: string[],
  scalars: string[],
  gs: number[],
  limit: string,
  body: string,
): string {
  return `  for (var rr = 0u; rr < p.pad; rr++) {
    let row = min(r0 + rr, ${limit} - 1u);
${shift(R, vecs, scalars, gs)}
${body}
  }`;
}

/** Loop storing registers of row 0 for rows r0+rr below `limit`, then shifting the rest down. */
export function rolledStore(
  R: number,
  vecs: string[],
  scalars: string[],
  gs: number[],
  limit: string,
  body: string,
  pre = '',
): string {
  return `  for (var rr = 0u; rr < p.pad; rr++) {${pre ? `\n${pre}` : ''}
    if (r0 + rr < ${limit}) {
      let row = r0 + rr;
${body}
    }
${shift(R, vecs, scalars, gs)}
  }`;
}

/** Declarations every subgroup kernel starts with (the bindings come from sgKernel). */
export const header = (c: AttnCfg) => `${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}`;

export const entry = (sh: SgShape) => `@compute @workgroup_size(${sh.S * sh.NB})
fn main(@builtin(local_invocation_index) li: u32, @builtin(subgroup_invocation_id) lane: u32,
        @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let bh = wid.y + wid.z * nwg.y;
  if (bh >= p.B * p.H) { return; } // uniform: whole workgroups leave
  let b = bh / p.H;
  let h = bh % p.H;
  // Subgroups are taken to be consecutive runs of S invocations (as on llvmpipe).
  let r0 = (wid.x * ${sh.NB}u + li / ${sh.S}u) * ${sh.R}u;`;

/** A subgroup kernel's start: declarations, the entry point and this lane's head-dim offsets. */
export const prologue = (c: AttnCfg, sh: SgShape, L: Lane) => `${header(c)}
${entry(sh)}
${L.prelude()}`;

/** Padding mask for key j, loaded S keys at a time and shuffled (call at the top of the key loop). */
export const maskStep = (S: number) => `    if (j % ${S}u == 0u) {
      let jm = j + lane;
      mk = select(0.0, M[mb + min(jm, p.Tk - 1u)], jm < p.Tk);
    }
    let keep = subgroupShuffle(mk, j % ${S}u) != 0.0;`;

/**
 * Opens the subgroup kernels' walk over keys j < `kend` (a subgroup-uniform bound) for a block of
 * query rows: K/V row bases, the mask and Philox state (counters of row `rngRow`), then the
 * `perKey` lines and the key's K/V row offsets kr, vr. The caller closes the loop.
 */
export function sgKeyLoop(kend: string, rngRow: string, perKey: string): string {
  return `  let kb0 = ${rowAt('k', '0u')};
  let vb0 = ${rowAt('v', '0u')};
  let mb = b * p.Tk;
  var mk = 0.0;
  let rctr = p.rngOff + (bh * p.Tq + min(${rngRow}, p.Tq - 1u)) * p.Tk4;
  var rnd = vec4<u32>(0u);
  let kend = ${kend};
  for (var j = 0u; j < kend; j++) {
${perKey}
    let kr = kb0 + j * p.v[1].w;
    let vr = vb0 + j * p.v[2].w;`;
}

/** Launch shape for `rows` rows at R rows per subgroup: up to 8 subgroups per workgroup, fewer for
 *  short sequences (idle subgroups still run): on llvmpipe more subgroups pay off on long sequences
 *  only (`pnpm bench:variants attention`). */
export function sgShape(rows: number, S: number, R: number): SgShape {
  const want = 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(rows / R))));
  return { S, R, NB: Math.max(1, Math.min(want, 8, Math.floor(256 / S))) };
}
