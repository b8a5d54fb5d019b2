// Collapse monitors computed on the CPU from a sample of embeddings: per-dimension std, and the
// eigenvalue spectrum of their covariance (via the n×n Gram matrix when n < D: same non-zero
// eigenvalues, far cheaper).

export function perDimStd(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length, D = rows[0]?.length ?? 0;
  const mean = new Float64Array(D), sq = new Float64Array(D);
  for (const r of rows) for (let j = 0; j < D; j++) mean[j] += r[j];
  for (let j = 0; j < D; j++) mean[j] /= n;
  for (const r of rows) for (let j = 0; j < D; j++) sq[j] += (r[j] - mean[j]) ** 2;
  return sq.map((s) => Math.sqrt(s / Math.max(n - 1, 1)));
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi), descending. */
export function symmetricEigenvalues(a: Float64Array, n: number, sweeps = 30): Float64Array {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < sweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p], akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k], aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const ev = Float64Array.from({ length: n }, (_, i) => m[i * n + i]);
  return ev.sort().reverse();
}

/** Eigenvalues of the covariance of `rows` (n × D), descending, at most min(n, D) of them. */
export function covarianceSpectrum(rows: readonly Float32Array[]): Float64Array {
  const n = rows.length, D = rows[0]?.length ?? 0;
  if (n < 2 || D === 0) return new Float64Array(0);
  const mean = new Float64Array(D);
  for (const r of rows) for (let j = 0; j < D; j++) mean[j] += r[j] / n;
  const X = rows.map((r) => Float64Array.from(r, (v, j) => v - mean[j]));
  const useGram = n <= D;
  const k = useGram ? n : D;
  const g = new Float64Array(k * k);
  if (useGram) {
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
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
