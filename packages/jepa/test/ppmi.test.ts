// The PPMI-SVD word-table init: its float64 linear algebra against dense references, the PPMI
// matrix against the formula, and the vectors against what co-occurrence should give.
import { describe, expect, it } from 'vitest';
import { csrTimes, orthonormalize, randomizedSvd, symmetricEigen, type Csr } from '../src/util/linalg.ts';
import { ppmiMatrix, ppmiSvd, PPMI_CONTEXT_POWER } from '../src/model/ppmi.ts';
import { Rng } from '../src/util/rng.ts';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = Rng.fromSeed(seed);
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = rng.float() * 2 - 1;
  return m;
}

function denseToCsr(m: Float64Array, n: number): Csr {
  const rowStart = new Int32Array(n + 1),
    col: number[] = [],
    val: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (m[i * n + j] === 0) continue;
      col.push(j);
      val.push(m[i * n + j]);
    }
    rowStart[i + 1] = col.length;
  }
  return { n, rowStart, col: Int32Array.from(col), val: Float64Array.from(val) };
}

const matmul = (a: Float64Array, b: Float64Array, n: number) => {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
  return out;
};

describe('linalg', () => {
  it('symmetricEigen: A v = λ v, values decreasing, vectors orthonormal', () => {
    const n = 9;
    const a = randomSymmetric(n, 4);
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors[k * n + j];
        expect(av).toBeCloseTo(values[j] * vectors[i * n + j], 10);
      }
      for (let p = 0; p < n; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[i * n + j] * vectors[i * n + p];
        expect(dot).toBeCloseTo(p === j ? 1 : 0, 10);
      }
    }
    // the trace is the sum of the eigenvalues
    let trace = 0;
    for (let i = 0; i < n; i++) trace += a[i * n + i];
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 10);
  });

  it('csrTimes matches the dense product; orthonormalize gives QᵀQ = I', () => {
    const n = 11,
      k = 4;
    const a = randomSymmetric(n, 5);
    for (let i = 0; i < n * n; i += 3) a[i] = 0; // some structural zeros (breaks symmetry: fine for a product)
    const x = Float64Array.from({ length: n * k }, (_, i) => Math.sin(i + 1));
    const y = csrTimes(denseToCsr(a, n), x, k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let ref = 0;
        for (let c = 0; c < n; c++) ref += a[i * n + c] * x[j * n + c];
        expect(y[j * n + i]).toBeCloseTo(ref, 12);
      }
    }
    const q = orthonormalize(Float64Array.from(x), n, k);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += q[i * n + r] * q[j * n + r];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(() => csrTimes(denseToCsr(a, n), x, k + 1)).toThrow(/csrTimes: expected an 11 x 5 block/);
  });

  it('randomizedSvd finds the top singular values and vectors of a symmetric matrix', () => {
    // A = V diag(d) Vᵀ with a decaying spectrum of mixed signs: singular values |d|
    const n = 48,
      rank = 5;
    const v = symmetricEigen(randomSymmetric(n, 6), n).vectors;
    const d = Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 10 * 0.7 ** i);
    const vd = new Float64Array(n * n),
      vt = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        vd[i * n + j] = v[i * n + j] * d[j];
        vt[j * n + i] = v[i * n + j];
      }
    const a = matmul(vd, vt, n);
    const { u, s } = randomizedSvd(denseToCsr(a, n), rank, { seed: 3 });
    for (let j = 0; j < rank; j++) {
      expect(s[j]).toBeCloseTo(Math.abs(d[j]), 8);
      let dot = 0; // same direction as the true vector, up to sign
      for (let i = 0; i < n; i++) dot += u[j * n + i] * v[i * n + j];
      expect(Math.abs(dot)).toBeCloseTo(1, 8);
    }
    expect(() => randomizedSvd(denseToCsr(a, n), 0)).toThrow(/randomizedSvd: rank must be in 1\.\.48, got 0/);
  });
});

describe('ppmi', () => {
  it('counts each pair once per document and keeps log(c·Z / (r_i · r_j^0.75)) where positive', () => {
    const docs = [[7, 3, 9], [7, 3], [3, 9, 9, 4], [4, 7], [5]];
    const { ids, matrix, pairs } = ppmiMatrix(docs);
    expect([...ids]).toEqual([3, 4, 5, 7, 9]);
    expect(pairs).toBe(6 + 2 + 6 + 2);
    // reference: dense counts over the same ids
    const ix = new Map([...ids].map((t, i) => [t, i]));
    const n = ids.length;
    const c = new Float64Array(n * n);
    for (const d of docs) {
      const u = [...new Set(d)];
      for (const a of u) for (const b of u) if (a !== b) c[ix.get(a)! * n + ix.get(b)!]++;
    }
    const r = Array.from({ length: n }, (_, i) => c.slice(i * n, (i + 1) * n).reduce((x, y) => x + y, 0));
    const ctx = r.map((x) => x ** PPMI_CONTEXT_POWER);
    const z = ctx.reduce((x, y) => x + y, 0);
    const got = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let p = matrix.rowStart[i]; p < matrix.rowStart[i + 1]; p++) got[i * n + matrix.col[p]] = matrix.val[p];
    let kept = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const pmi = c[i * n + j] > 0 ? Math.log((c[i * n + j] * z) / (r[i] * ctx[j])) : 0;
        expect(got[i * n + j]).toBeCloseTo(Math.max(pmi, 0), 12);
        if (pmi > 0) kept++;
      }
    }
    expect(matrix.col.length).toBe(kept);
    expect(kept).toBeGreaterThan(0);
    expect(got[ix.get(5)! * n + ix.get(5)!]).toBe(0); // a lone token co-occurs with nothing
  });

  it('vectors: unit rows; tokens that share contexts point together, tokens of another topic do not', () => {
    // two topics of 6 tokens each; each document draws 3 tokens from one topic
    const rng = Rng.fromSeed(2);
    const docs: number[][] = [];
    for (let d = 0; d < 400; d++) {
      const base = d % 2 ? 100 : 200;
      docs.push([0, 1, 2].map(() => base + rng.uniformInt(0, 5)));
    }
    const { ids, vectors, dim } = ppmiSvd(docs, 2, 1); // two topics: rank 2 holds the signal
    expect(dim).toBe(2);
    const row = (t: number) => vectors.subarray(ids.indexOf(t) * dim, (ids.indexOf(t) + 1) * dim);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    for (const t of ids) expect(cos(row(t), row(t))).toBeCloseTo(1, 5);
    for (const [a, b] of [
      [100, 101],
      [100, 105],
      [202, 203],
    ])
      expect(cos(row(a), row(b))).toBeGreaterThan(0.9);
    for (const [a, b] of [
      [100, 200],
      [103, 205],
    ])
      expect(cos(row(a), row(b))).toBeLessThan(0.1);
    expect(() => ppmiSvd([[1, 1]], 4)).toThrow(/ppmiSvd: the documents hold 1 distinct token\(s\)/);
    expect(() => ppmiSvd(docs, 0)).toThrow(/ppmiSvd: dim must be a positive integer, got 0/);
  });
});
