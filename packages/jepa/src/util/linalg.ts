// Small float64 linear algebra on the CPU for one-off statistics (the PPMI-SVD word-table init):
// a sparse symmetric matrix in CSR form, its product with a dense block, Gram-Schmidt and a Jacobi
// eigensolver. Dense blocks are column-major (column j of an n-row block is data[j*n .. j*n+n)).
import { Rng } from './rng.ts';

/** A square sparse matrix in compressed-sparse-row form. */
export interface Csr {
  n: number;
  /** rowStart[i] .. rowStart[i+1] index `col` and `val` for row i; length n + 1. */
  rowStart: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

/** out = A · X for X an n × k column-major block. */
export function csrTimes(a: Csr, x: Float64Array, k: number): Float64Array {
  const { n, rowStart, col, val } = a;
  if (x.length !== n * k) throw new Error(`csrTimes: expected an ${n} x ${k} block (${n * k} values), got ${x.length}`);
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let p = rowStart[i]; p < rowStart[i + 1]; p++) {
      const v = val[p],
        c = col[p];
      for (let j = 0; j < k; j++) out[j * n + i] += v * x[j * n + c];
    }
  }
  return out;
}

/** Orthonormalise the k columns of an n × k block in place (modified Gram-Schmidt, two passes for
 *  float64 orthogonality); a column that vanishes becomes zero. */
export function orthonormalize(q: Float64Array, n: number, k: number): Float64Array {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      const cj = j * n;
      for (let p = 0; p < j; p++) {
        const cp = p * n;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[cp + i] * q[cj + i];
        for (let i = 0; i < n; i++) q[cj + i] -= dot * q[cp + i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += q[cj + i] * q[cj + i];
      norm = Math.sqrt(norm);
      const inv = norm > 1e-300 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) q[cj + i] *= inv;
    }
  }
  return q;
}

/** Eigen-decomposition of a symmetric k × k matrix (row-major) by cyclic Jacobi rotations:
 *  eigenvalues in decreasing order, eigenvectors as the columns of a row-major k × k matrix
 *  (all zero with `vectors: false`, which skips accumulating them). */
export function symmetricEigen(
  m: Float64Array,
  k: number,
  opts: { vectors?: boolean } = {},
): { values: Float64Array; vectors: Float64Array } {
  const withVectors = opts.vectors ?? true;
  if (m.length !== k * k) throw new Error(`symmetricEigen: expected ${k * k} values, got ${m.length}`);
  const a = Float64Array.from(m);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0,
      diag = 0;
    for (let i = 0; i < k; i++) {
      diag += a[i * k + i] * a[i * k + i];
      for (let j = i + 1; j < k; j++) off += a[i * k + j] * a[i * k + j];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q];
        if (apq === 0) continue;
        // the rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1)
        const tau = (a[q * k + q] - a[p * k + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t),
          s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p],
            arq = a[r * k + q];
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r],
            aqr = a[q * k + r];
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; withVectors && r < k; r++) {
          const vrp = v[r * k + p],
            vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((x, y) => a[y * k + y] - a[x * k + x]);
  const values = Float64Array.from(order, (i) => a[i * k + i]);
  const vectors = new Float64Array(k * k);
  order.forEach((src, dst) => {
    for (let r = 0; r < k; r++) vectors[r * k + dst] = v[r * k + src];
  });
  return { values, vectors };
}

/** A standard normal draw (Box-Muller). */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}

/**
 * The top `rank` singular triplets' left vectors and values of a symmetric sparse matrix, by
 * randomized range finding with power iterations (Halko, Martinsson & Tropp 2011): `oversample`
 * extra columns, `iters` power iterations. Left vectors as an n × rank column-major block.
 */
export function randomizedSvd(
  a: Csr,
  rank: number,
  opts: { oversample?: number; iters?: number; seed?: number } = {},
): { u: Float64Array; s: Float64Array } {
  const n = a.n;
  const k = Math.min(n, rank + (opts.oversample ?? 20));
  if (!(rank >= 1 && rank <= n)) throw new Error(`randomizedSvd: rank must be in 1..${n}, got ${rank}`);
  const rng = Rng.fromSeed(opts.seed ?? 0);
  const omega = new Float64Array(n * k);
  for (let i = 0; i < omega.length; i++) omega[i] = gaussian(rng);
  let q = orthonormalize(csrTimes(a, omega, k), n, k);
  for (let it = 0; it < (opts.iters ?? 4); it++) q = orthonormalize(csrTimes(a, csrTimes(a, q, k), k), n, k); // A = Aᵀ
  // B = Qᵀ A (k × n); B Bᵀ = W S² Wᵀ gives A's left singular vectors Q W and values S.
  const aq = csrTimes(a, q, k); // A Q = (Qᵀ A)ᵀ since A is symmetric: column j is row j of B
  const bbt = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += aq[i * n + r] * aq[j * n + r];
      bbt[i * k + j] = bbt[j * k + i] = dot;
    }
  }
  const { values, vectors } = symmetricEigen(bbt, k);
  const u = new Float64Array(n * rank);
  const s = new Float64Array(rank);
  for (let j = 0; j < rank; j++) {
    s[j] = Math.sqrt(Math.max(values[j], 0));
    for (let p = 0; p < k; p++) {
      const w = vectors[p * k + j];
      if (w === 0) continue;
      for (let r = 0; r < n; r++) u[j * n + r] += q[p * n + r] * w;
    }
  }
  return { u, s };
}
