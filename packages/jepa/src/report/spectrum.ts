// Collapse monitors computed on the CPU from a sample of embeddings: per-dimension std, and the
// eigenvalue spectrum of their covariance (via the n×n Gram matrix when n < D: same non-zero
// eigenvalues, far cheaper).
import { symmetricEigen } from '../util/linalg.ts';

export function perDimStd(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length,
    D = rows[0]?.length ?? 0;
  const mean = new Float64Array(D),
    sq = new Float64Array(D);
  for (const r of rows) for (let j = 0; j < D; j++) mean[j] += r[j];
  for (let j = 0; j < D; j++) mean[j] /= n;
  for (const r of rows) for (let j = 0; j < D; j++) sq[j] += (r[j] - mean[j]) ** 2;
  return sq.map((s) => Math.sqrt(s / Math.max(n - 1, 1)));
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi), descending. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  return symmetricEigen(a, n, { vectors: false }).values;
}

/** Eigenvalues of the covariance of `rows` (n × D), descending, at most min(n, D) of them. */
export function covarianceSpectrum(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length,
    D = rows[0]?.length ?? 0;
  if (n < 2 || D === 0) return new Float64Array(0);
  const mean = new Float64Array(D);
  for (const r of rows) for (let j = 0; j < D; j++) mean[j] += r[j] / n;
  const X = rows.map((r) => Float64Array.from(r, (v, j) => v - mean[j]));
  const useGram = n <= D;
  const k = useGram ? n : D;
  const g = new Float64Array(k * k);
  if (useGram) {
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += X[i][d] * X[j][d];
        g[i * n + j] = g[j * n + i] = s / (n - 1);
      }
  } else {
    for (const x of X) for (let i = 0; i < D; i++) for (let j = i; j < D; j++) g[i * D + j] += (x[i] * x[j]) / (n - 1);
    for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) g[i * D + j] = g[j * D + i];
  }
  return symmetricEigenvalues(g, k).map((v) => Math.max(v, 0));
}
