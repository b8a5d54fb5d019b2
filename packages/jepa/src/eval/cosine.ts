// Cosine helpers on Float32Array embeddings; sums are accumulated in float64.

function checkDims(a: Float32Array, b: Float32Array): void {
  if (a.length !== b.length) throw new Error(`cosine: dimension mismatch (${a.length} vs ${b.length})`);
}

export function dot(a: Float32Array, b: Float32Array): number {
  checkDims(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function l2Norm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** Unit-length copy of `a` (a zero vector stays zero). */
export function l2Normalize(a: Float32Array): Float32Array {
  const n = l2Norm(a);
  const out = new Float32Array(a.length);
  if (n > 0) for (let i = 0; i < a.length; i++) out[i] = a[i]! / n;
  return out;
}

/** Cosine similarity; 0 if either vector is all zeros (no direction, no similarity). */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  checkDims(a, b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/**
 * Cosines of every row of `as` against every row of `bs`: out[i][j] = cos(as[i], bs[j]), as
 * sentence-transformers' util.cos_sim. Norms are computed once per row; a zero row scores 0.
 */
export function cosineSimilarityMatrix(as: readonly Float32Array[], bs: readonly Float32Array[]): number[][] {
  const dim = (as[0] ?? bs[0])?.length;
  for (const r of [...as, ...bs])
    if (r.length !== dim) throw new Error(`cosine: dimension mismatch (${dim} vs ${r.length})`);
  const nb = bs.map(l2Norm);
  return as.map((a) => {
    const na = l2Norm(a);
    return bs.map((b, j) => (na === 0 || nb[j] === 0 ? 0 : dot(a, b) / (na * nb[j]!)));
  });
}

/** Cosine of one query against many candidates. */
export function cosineScores(query: Float32Array, candidates: readonly Float32Array[]): number[] {
  return candidates.map((c) => cosineSimilarity(query, c));
}

/** Split a row-major [n, dim] buffer (e.g. read back from the GPU) into n row views. */
export function splitRows(flat: Float32Array, dim: number): Float32Array[] {
  if (!Number.isInteger(dim) || dim <= 0 || flat.length % dim !== 0) {
    throw new Error(`splitRows: length ${flat.length} is not a multiple of dim ${dim}`);
  }
  const rows: Float32Array[] = [];
  for (let o = 0; o < flat.length; o += dim) rows.push(flat.subarray(o, o + dim));
  return rows;
}
