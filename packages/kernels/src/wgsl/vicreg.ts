// Fused VICReg statistics for z [N, D]: std = mean_j relu(gamma - sqrt(var_j + eps)) (unbiased var) and
// cov = Σ_{i≠j} C_ij², C = zcᵀzc / (N-1) — without ever writing a D×D matrix in the forward.
//
// prep: one thread per column writes mean/var and centred copies zero-padded to multiples of TILE:
// Y [Np, Dp] and/or Yᵀ [Dp, Np], so every product below is a sum of outer products of contiguous vec4
// rows with no bounds checks (padding adds zeros to every sum).
// ‖offdiag C‖² two ways, picked by shape (each min(N,D)²·max(N,D)/2 FMAs):
//  - 'cov'  (N > D): upper-triangle blocks of YᵀY, diagonal weighted 0, off-diagonal 2.
//  - 'gram' (N <= D): ‖C‖² = ‖YYᵀ‖² / (N-1)² (equal Frobenius norms; N×N instead of D×D), minus
//    Σ_j C_jj² = Σ_j var_j². For VICReg's usual N=256, D=1536..8192 that is D/N times less work; the
//    subtraction costs only absolute precision (~1e-7·Σ var_j²), far below what the loss resolves.
// Each thread writes the weighted sum of squares of its block to a partials buffer (no workgroup memory
// or barriers, both slow on lavapipe); one workgroup reduces the partials and the variance hinge.
//
// Backward of cov: dcov/dz = 4/(N-1) · zc · O, O = offdiag(C). (dC = (dzcᵀzc + zcᵀdzc)/(N-1) and O is
// symmetric, so <2O, dC> = 4/(N-1) <zc O, dzc>; through the mean, zc = (I - 11ᵀ/N) z adds -1(1ᵀzc O)/N = 0
// since zc's columns sum to zero.) 'cov': O (D×D with D < N, smaller than z) then zc·O; 'gram':
// zc·O = (K zc)/(N-1) - zc·diag(var) with K = zc zcᵀ (N×N, N <= D), which the forward can keep (one
// extra write of the blocks it already has) so the backward is a single product. The square scratch
// matrix is min(N,D)² <= N·D floats either way. Backward of std: d/dz[n,j] = -[gamma > s_j] zc[n,j] / (D (N-1) s_j),
// s_j = sqrt(var_j + eps) (relu'(0) = 0, as relu).
import { Params, runtime, type Kernel, type Workgroups } from '../runtime.ts';
import { forcedVariant } from '../variants.ts';
import { sumKernel, gridKernel, kernel, grid, type Binding } from './common.ts';

export type VicregMethod = 'auto' | 'gram' | 'cov';

const TILE = 64; // workgroup tile side: 4×4 threads of 16×16 blocks (CPU) or 8×8 threads of 8×8 (GPU)
const X = ['x', 'y', 'z', 'w'];

export interface VicregPlan {
  Np: number;
  Dp: number;
  gram: boolean;
  /** Side of the square matrix whose blocks are computed (Np for gram, Dp for cov). */
  E: number;
  /** Upper-triangle workgroups: T(T+1)/2 with T = E / TILE. */
  tiles: number;
}

export function vicregPlan(N: number, D: number, method: VicregMethod = 'auto'): VicregPlan {
  const Np = Math.ceil(N / TILE) * TILE,
    Dp = Math.ceil(D / TILE) * TILE;
  const gram = method === 'gram' || (method === 'auto' && N <= D);
  const E = gram ? Np : Dp;
  const T = E / TILE;
  return { Np, Dp, gram, E, tiles: (T * (T + 1)) / 2 };
}

function prepKernel(writeY: boolean, writeT: boolean): Kernel {
  const put = (n: string, v: string) =>
    (writeY ? `Y[${n} * p.Dp + j] = ${v}; ` : '') + (writeT ? `YT[j * p.Np + ${n}] = ${v};` : '');
  return gridKernel({
    name: 'vicreg_prep',
    key: `vicreg|prep|${writeY}|${writeT}`,
    bindings: [
      ['z', 'f32'],
      ['Y', 'f32', 'rw'],
      ['YT', 'f32', 'rw'],
      ['stats', 'f32', 'rw'],
    ],
    params: 'N: u32, D: u32, Np: u32, Dp: u32',
    body: () => `  let j = idx;
  if (j >= p.Dp) { return; }
  if (j >= p.D) {
    for (var n = 0u; n < p.Np; n++) { ${put('n', '0.0')} }
    return;
  }
  var s = 0.0;
  for (var n = 0u; n < p.N; n++) { s += z[n * p.D + j]; }
  let mu = s / f32(p.N);
  var q = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let d = z[n * p.D + j] - mu;
    q += d * d;
    ${put('n', 'd')}
  }
  for (var n = p.N; n < p.Np; n++) { ${put('n', '0.0')} }
  stats[j] = mu;
  stats[p.D + j] = q / f32(p.N - 1u);`,
  });
}

type Epi = 'sumsq' | 'sumsqStore' | 'store' | 'grad' | 'gradY';

/** Register-block shapes of the gram/covariance kernels: 'cpuBlocks' 16×16 per thread, 'gpuBlocks' 8×8. */
export type VicregBlocks = 'cpuBlocks' | 'gpuBlocks';
export const VICREG_VARIANTS: readonly VicregBlocks[] = ['cpuBlocks', 'gpuBlocks'];

/** Per-thread block side S and workgroup side W (S·W = TILE). On CPU adapters (lavapipe) a 16×16 register
 *  block beats 4×4 and 8×8 (loads and loop overhead dominate; `pnpm bench:variants vicreg`);
 *  GPUs get 8×8 blocks in 8×8 workgroups, which keeps the accumulators in registers. */
function blockShape(): { S: number; W: number } {
  const v = forcedVariant('vicreg', VICREG_VARIANTS) ?? (runtime().gpu.info.isCpu ? 'cpuBlocks' : 'gpuBlocks');
  return v === 'cpuBlocks' ? { S: 16, W: 4 } : { S: 8, W: 8 };
}

/** S[a, b] = Σ_{m < L} A[m, a] B[m, b] over S×S blocks, A and B row-major with vec4 rows (a and b are
 *  columns, so every load is a contiguous vec4). sumsq/store: B = A, upper triangle only; sumsqStore
 *  does both (the forward keeping the N×N gram matrix for the backward). */
function blockKernel(epi: Epi, S: number, W: number): Kernel {
  const sym = epi === 'sumsq' || epi === 'store' || epi === 'sumsqStore';
  const B = sym ? 'A' : 'B';
  const rows = [...Array(S).keys()],
    v4 = [...Array(S / 4).keys()];
  const each = (f: (r: number, k: number) => string, sep = '\n    ') =>
    rows.flatMap((r) => v4.map((k) => f(r, k))).join(sep);
  const loop = `for (var m = 0u; m < p.L; m++) {
      ${v4.map((k) => `let va${k} = A[m * p.aW4 + a0 / 4u + ${k}u];`).join(' ')}
      ${v4.map((k) => `let vb${k} = ${B}[m * p.bW4 + b0 / 4u + ${k}u];`).join(' ')}
      ${each((r, k) => `c${r}_${k} = fma(vec4<f32>(va${r >> 2}.${X[r & 3]}), vb${k}, c${r}_${k});`, '\n      ')}
    }`;
  let head: string,
    tail = '';
  if (sym) {
    // Workgroup w -> tile (ti, tj), ti <= tj, numbered w = tj(tj+1)/2 + ti.
    head = `
  let w = wid.x + wid.y * nwg.x;
  if (w >= p.total) { return; }
  var tj = u32((sqrt(8.0 * f32(w) + 1.0) - 1.0) * 0.5);
  if ((tj + 1u) * (tj + 2u) / 2u <= w) { tj += 1u; }
  if (tj * (tj + 1u) / 2u > w) { tj -= 1u; }
  let ti = w - tj * (tj + 1u) / 2u;
  let a0 = (ti * ${W}u + lid.y) * ${S}u;
  let b0 = (tj * ${W}u + lid.x) * ${S}u;
  let live = a0 < b0 + ${S}u; // the block reaches the diagonal or above it`;
  } else {
    head = `
  let a0 = (wid.y * ${W}u + lid.y) * ${S}u;
  let b0 = (wid.x * ${W}u + lid.x) * ${S}u;
  if (a0 >= p.outA || b0 >= p.outB) { return; }
  let live = true;`;
  }
  if (epi === 'sumsq' || epi === 'sumsqStore') {
    // Weight 2 above the diagonal (the mirror block is never computed), wdiag on it, 0 below.
    tail += `
  var s = 0.0;
  if (live) {
    ${each(
      (
        r,
        k,
      ) => `{ let a = vec4<u32>(a0 + ${r}u); let bv = vec4<u32>(b0 + ${4 * k}u) + vec4<u32>(0u, 1u, 2u, 3u); let v = c${r}_${k} * p.scale;
      s += dot(v * v, select(select(vec4<f32>(0.0), vec4<f32>(p.wdiag), bv == a), vec4<f32>(2.0), a < bv)); }`,
    )}
  }
  out[w * ${W * W}u + lid.y * ${W}u + lid.x] = s;`;
  }
  if (epi === 'store' || epi === 'sumsqStore') {
    // Both halves of the symmetric matrix, scaled; the diagonal times wdiag for store, kept for sumsqStore.
    const [dst, dg] = epi === 'store' ? ['out', 'p.wdiag'] : ['mat', '1.0'];
    tail += `
  if (live) {
    ${each(
      (r, k) => `for (var c = 0u; c < 4u; c++) {
      let a = a0 + ${r}u; let b = b0 + ${4 * k}u + c;
      let v = c${r}_${k}[c] * p.scale * select(1.0, ${dg}, a == b);
      ${dst}[a * p.E + b] = v; ${dst}[b * p.E + a] = v;
    }`,
    )}
  }`;
  }
  if (!sym) {
    // out[a, b] = g · (alpha · S[a, b] + beta · var_b · B[a, b]); the B term only for gradY.
    const yTerm = (k: number) =>
      epi === 'gradY'
        ? ` + p.beta * vec4<f32>(${[0, 1, 2, 3].map((c) => `stats[p.D + min(b0 + ${4 * k + c}u, p.D - 1u)]`).join(', ')}) * B[a * p.bW4 + b0 / 4u + ${k}u]`
        : '';
    tail = `
  let g = gin[0];
    ${each(
      (r, k) => `{ let a = a0 + ${r}u;
    if (a < p.outA) {
      let v = g * (p.alpha * c${r}_${k}${yTerm(k)});
      for (var c = 0u; c < 4u; c++) { let b = b0 + ${4 * k}u + c; if (b < p.outB) { out[a * p.outB + b] = v[c]; } }
    } }`,
    )}`;
  }
  const bindings: Binding[] = sym
    ? [['A', 'vec4<f32>'], ['out', 'f32', 'rw'], epi === 'sumsqStore' && ['mat', 'f32', 'rw']]
    : [
        ['A', 'vec4<f32>'],
        ['B', 'vec4<f32>'],
        ['stats', 'f32'],
        ['gin', 'f32'],
        ['out', 'f32', 'rw'],
      ];
  return kernel({
    name: `vicreg_${epi}`,
    key: `vicreg|${epi}|${S}|${W}`,
    bindings,
    code: () => `
struct P { L: u32, aW4: u32, bW4: u32, E: u32, total: u32, outA: u32, outB: u32, D: u32,
  scale: f32, wdiag: f32, alpha: f32, beta: f32 };
@compute @workgroup_size(${W}, ${W})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {${head}
  ${each((r, k) => `var c${r}_${k} = vec4<f32>(0.0);`, ' ')}
  if (live) {
    ${loop}
  }${tail}
}`,
  });
}

const FWG = 256;
const finalKernel: Kernel = sumKernel({
  name: 'vicreg_final',
  key: 'vicreg|final',
  bindings: [
    ['part', 'f32'],
    ['stats', 'f32'],
    ['stdOut', 'f32', 'rw'],
    ['covOut', 'f32', 'rw'],
  ],
  params: 'n: u32, D: u32, gamma: f32, eps: f32, diagSub: f32',
  T: 'vec3<f32>',
  wg: FWG,
  body: () => `  var acc = vec3<f32>(0.0);
  for (var i = lid; i < p.n; i += ${FWG}u) { acc.x += part[i]; }
  for (var j = lid; j < p.D; j += ${FWG}u) {
    let v = stats[p.D + j];
    acc.y += max(p.gamma - sqrt(v + p.eps), 0.0);
    acc.z += v * v;
  }
  let r = wgSum(acc, lid);
  if (lid == 0u) {
    stdOut[0] = r.y / f32(p.D);
    covOut[0] = max(r.x - p.diagSub * r.z, 0.0);
  }`,
});

// A thread per (column, run of STD_ROWS rows): the column's coefficient is computed once and there is no
// per-element index division (llvmpipe scalarizes vector division); lanes read consecutive columns.
const STD_ROWS = 16;
const stdGradKernel: Kernel = kernel({
  name: 'vicreg_std_grad',
  key: 'vicreg|stdgrad',
  bindings: [
    ['z', 'f32'],
    ['stats', 'f32'],
    ['gin', 'f32'],
    ['out', 'f32', 'rw'],
  ],
  code: () => `
struct P { N: u32, D: u32, gamma: f32, eps: f32 };
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let j = gid.x;
  if (j >= p.D) { return; }
  let s = sqrt(stats[p.D + j] + p.eps);
  let h = gin[0] * select(0.0, -1.0 / (f32(p.D) * f32(p.N - 1u) * s), p.gamma - s > 0.0);
  let mu = stats[j];
  let n0 = (wid.y + wid.z * nwg.y) * ${STD_ROWS}u;
  let n1 = min(n0 + ${STD_ROWS}u, p.N);
  for (var n = n0; n < n1; n++) { let i = n * p.D + j; out[i] = h * (z[i] - mu); }
}`,
});

interface BlockParams {
  L: number;
  aW4: number;
  bW4: number;
  E?: number;
  total?: number;
  outA?: number;
  outB?: number;
  D?: number;
  scale?: number;
  wdiag?: number;
  alpha?: number;
  beta?: number;
}

function blockParams(o: BlockParams): Params {
  return new Params()
    .u32(o.L)
    .u32(o.aW4)
    .u32(o.bW4)
    .u32(o.E ?? 0)
    .u32(o.total ?? 0)
    .u32(o.outA ?? 0)
    .u32(o.outB ?? 0)
    .u32(o.D ?? 0)
    .f32(o.scale ?? 1)
    .f32(o.wdiag ?? 0)
    .f32(o.alpha ?? 0)
    .f32(o.beta ?? 0);
}

/** Centred, padded copies; a missing one is a 4-byte placeholder. The caller frees both. */
function prep(z: GPUBuffer, N: number, D: number, pl: VicregPlan, stats: GPUBuffer, writeY: boolean, writeT: boolean) {
  const rt = runtime();
  const Y = rt.alloc(writeY ? pl.Np * pl.Dp * 4 : 4, 'vicreg centred copy');
  const YT = rt.alloc(writeT ? pl.Np * pl.Dp * 4 : 4, 'vicreg centred copy (transposed)');
  rt.dispatch({
    kernel: prepKernel(writeY, writeT),
    buffers: [z, Y, YT, stats],
    params: new Params().u32(N).u32(D).u32(pl.Np).u32(pl.Dp),
    workgroups: grid(pl.Dp),
  });
  return { Y, YT };
}

export interface VicregForwardArgs {
  /** Contiguous [N, D] f32. */
  z: GPUBuffer;
  N: number;
  D: number;
  /** Out: [2, D] — column means, then unbiased variances (kept for the backward). */
  stats: GPUBuffer;
  std: GPUBuffer;
  cov: GPUBuffer;
  gamma: number;
  eps: number;
  method?: VicregMethod;
  /** Gram path only (see vicregPlan): also write K/(N-1) [Np, Np] here, for vicregCovGrad to reuse. */
  gram?: GPUBuffer;
}

/** 3 dispatches: prep, block sums of squares, final reduce. */
export function vicregForward(a: VicregForwardArgs): void {
  if (a.N < 2) throw new Error(`vicregStats: needs N >= 2 rows for an unbiased variance, got N = ${a.N}`);
  const rt = runtime();
  const { N, D } = a;
  const pl = vicregPlan(N, D, a.method);
  const { S, W } = blockShape();
  const { Y, YT } = prep(a.z, N, D, pl, a.stats, !pl.gram, pl.gram);
  const nPart = pl.tiles * W * W;
  const part = rt.alloc(nPart * 4, 'vicreg partial sums');
  // gram: rows of Yᵀ (D of them), blocks of YYᵀ; cov: rows of Y (N), blocks of YᵀY.
  const e4 = pl.E / 4;
  const keepGram = pl.gram && a.gram !== undefined;
  rt.dispatch({
    kernel: blockKernel(keepGram ? 'sumsqStore' : 'sumsq', S, W),
    buffers: keepGram ? [YT, part, a.gram!] : [pl.gram ? YT : Y, part],
    params: blockParams({
      L: pl.gram ? D : N,
      aW4: e4,
      bW4: e4,
      E: pl.E,
      total: pl.tiles,
      scale: 1 / (N - 1),
      wdiag: pl.gram ? 1 : 0,
    }),
    workgroups: grid(pl.tiles, 1),
  });
  rt.dispatch({
    kernel: finalKernel,
    buffers: [part, a.stats, a.std, a.cov],
    params: new Params()
      .u32(nPart)
      .u32(D)
      .f32(a.gamma)
      .f32(a.eps)
      .f32(pl.gram ? 1 : 0),
    workgroups: [1],
  });
  rt.free(Y);
  rt.free(YT);
  rt.free(part);
}

export interface VicregGradArgs {
  z: GPUBuffer;
  N: number;
  D: number;
  /** The forward's [2, D] stats. */
  stats: GPUBuffer;
  /** Upstream gradient: a one-element buffer (read on the GPU, no readback). */
  g: GPUBuffer;
  /** Out: dz [N, D]. */
  out: GPUBuffer;
}

/** d std / d z · g (one dispatch). */
export function vicregStdGrad(a: VicregGradArgs & { gamma: number; eps: number }): void {
  const rows = Math.ceil(a.N / STD_ROWS);
  const zDim = Math.ceil(rows / runtime().limits.maxComputeWorkgroupsPerDimension);
  runtime().dispatch({
    kernel: stdGradKernel,
    buffers: [a.z, a.stats, a.g, a.out],
    params: new Params().u32(a.N).u32(a.D).f32(a.gamma).f32(a.eps),
    workgroups: [Math.ceil(a.D / 64), Math.ceil(rows / zDim), zDim],
  });
}

/** d cov / d z · g: prep, the min(N,D)² scratch matrix (both halves; on the gram path the forward's
 *  copy when given), then one product with epilogue. */
export function vicregCovGrad(a: VicregGradArgs & { method?: VicregMethod; gram?: GPUBuffer }): void {
  const rt = runtime();
  const { N, D } = a;
  const pl = vicregPlan(N, D, a.method);
  const { S: bs, W } = blockShape();
  const haveGram = pl.gram && a.gram !== undefined;
  const scratchStats = rt.alloc(2 * D * 4, 'vicreg stats');
  const { Y, YT } = prep(a.z, N, D, pl, scratchStats, true, !haveGram);
  rt.free(scratchStats);
  const Sm = haveGram ? a.gram! : rt.alloc(pl.E * pl.E * 4, 'vicreg scratch matrix');
  const np4 = pl.Np / 4,
    dp4 = pl.Dp / 4;
  const outGrid: [number, number] = [Math.ceil(D / TILE), Math.ceil(N / TILE)];
  const tiles = grid(pl.tiles, 1);
  const run = (epi: Epi, buffers: GPUBuffer[], p: BlockParams, workgroups: Workgroups) =>
    rt.dispatch({ kernel: blockKernel(epi, bs, W), buffers, params: blockParams(p), workgroups });
  if (pl.gram) {
    // K' = Y Yᵀ/(N-1) (with its diagonal); dz = g·4/(N-1)·(K'·Y - var_j Y); K' symmetric: K'[m, n] = K'[n, m].
    const store = { L: D, aW4: np4, bW4: np4, E: pl.E, total: pl.tiles, scale: 1 / (N - 1), wdiag: 1 };
    if (!haveGram) run('store', [YT, Sm], store, tiles);
    const gradY = { L: N, aW4: np4, bW4: dp4, outA: N, outB: D, D, alpha: 4 / (N - 1), beta: -4 / (N - 1) };
    run('gradY', [Sm, Y, a.stats, a.g, a.out], gradY, outGrid);
  } else {
    // O = offdiag(YᵀY)/(N-1); dz[n, j] = g·4/(N-1)·Σ_i Yᵀ[i, n] O[i, j].
    run('store', [Y, Sm], { L: N, aW4: dp4, bW4: dp4, E: pl.E, total: pl.tiles, scale: 1 / (N - 1), wdiag: 0 }, tiles);
    run(
      'grad',
      [YT, Sm, a.stats, a.g, a.out],
      { L: D, aW4: np4, bW4: dp4, outA: N, outB: D, D, alpha: 4 / (N - 1) },
      outGrid,
    );
  }
  rt.free(Y);
  rt.free(YT);
  if (!haveGram) rt.free(Sm);
}
