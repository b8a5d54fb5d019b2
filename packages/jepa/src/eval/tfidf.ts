// TF-IDF baseline matching scikit-learn's TfidfVectorizer defaults: lowercase, token_pattern
// r"(?u)\b\w\w+\b" (runs of >= 2 Unicode word characters), vocabulary and idf from the fit docs
// only (unseen terms are dropped), raw term counts, smooth idf = ln((1+N)/(1+df)) + 1, l2 norm.

import type { RerankScorer } from './rerank.ts';

// Python's Unicode \w is letters, numbers and underscore.
const TOKEN_RE = /[\p{L}\p{N}_]{2,}/gu;

export function tfidfTokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN_RE) ?? [];
}

/** Sparse l2-normalised vector: term ids ascending with their weights. */
export interface SparseVector {
  ids: Int32Array;
  weights: Float64Array;
}

export class TfIdf {
  readonly vocab = new Map<string, number>();
  readonly idf: Float64Array;

  /** `docs` is the idf pool (e.g. the training titles). */
  constructor(docs: readonly string[]) {
    const df: number[] = [];
    for (const doc of docs) {
      for (const tok of new Set(tfidfTokenize(doc))) {
        let id = this.vocab.get(tok);
        if (id === undefined) {
          id = this.vocab.size;
          this.vocab.set(tok, id);
          df.push(0);
        }
        df[id]++;
      }
    }
    const n = docs.length;
    this.idf = Float64Array.from(df, (d) => Math.log((1 + n) / (1 + d)) + 1);
  }

  vector(text: string): SparseVector {
    const counts = new Map<number, number>();
    for (const tok of tfidfTokenize(text)) {
      const id = this.vocab.get(tok);
      if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const ids = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
    const weights = Float64Array.from(ids, (id) => counts.get(id)! * this.idf[id]!);
    const norm = Math.sqrt(weights.reduce((s, w) => s + w * w, 0));
    if (norm > 0) for (let i = 0; i < weights.length; i++) weights[i] /= norm;
    return { ids, weights };
  }

  /** Cosine of two texts or vectors (0 when either has no in-vocabulary token). */
  cosine(a: string | SparseVector, b: string | SparseVector): number {
    const va = typeof a === 'string' ? this.vector(a) : a;
    const vb = typeof b === 'string' ? this.vector(b) : b;
    let s = 0;
    for (let i = 0, j = 0; i < va.ids.length && j < vb.ids.length; ) {
      const x = va.ids[i]!;
      const y = vb.ids[j]!;
      if (x === y) s += va.weights[i++]! * vb.weights[j++]!;
      else if (x < y) i++;
      else j++;
    }
    return s;
  }

  /** Reranking scorer: TF-IDF cosine of the query with each candidate. */
  scorer(): RerankScorer {
    return {
      score: (query, candidates) => {
        const q = this.vector(query);
        return candidates.map((c) => this.cosine(q, c));
      },
    };
  }
}
