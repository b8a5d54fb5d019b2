// Shared pieces of the fused attention kernels: the uniform block, view addressing, and code
// generation helpers. Every kernel holds a head-dim row in registers as D/4 vec4 (or D scalar)
// named variables, unrolled here, so no kernel depends on the shader compiler unrolling loops or
// promoting private arrays to registers (llvmpipe keeps dynamically indexed arrays in memory).

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
// pad: rows per subgroup in v3 (a runtime trip count, so the row loops stay rolled).`;

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
    return parts.filter((p) => p.length).map((p) => `(${p.join(' + ')})`).join(' + ');
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
