// Reranking evaluation (AskUbuntu): per query, score its candidates (positives + negatives) and
// report MAP (scikit-learn AP, ties grouped) and MRR@10 (pessimistic ties), both ×100, over the
// queries that have at least one positive and one negative.
import type { RerankQuery } from '../data/rerank.ts';
import { averagePrecision, reciprocalRank, type Label } from './ap.ts';
import { cosineSimilarity } from './cosine.ts';

export interface RerankMetrics {
  /** Number of queries evaluated (having >= 1 positive and >= 1 negative). */
  queries: number;
  /** Mean average precision ×100. */
  map: number;
  /** Mean reciprocal rank at 10 ×100. */
  mrr10: number;
}

/** Scores candidates for one query; higher = more relevant. */
export interface RerankScorer {
  score(query: string, candidates: readonly string[]): number[] | Promise<number[]>;
}

/** Embeds a batch of texts; one Float32Array per text, in order. */
export type EmbedFn = (texts: string[]) => Float32Array[] | Promise<Float32Array[]>;

export interface ScoredQuery {
  scores: readonly number[];
  labels: readonly Label[];
}

const evaluable = (q: RerankQuery): boolean => q.positive.length > 0 && q.negative.length > 0;

/** Throw unless some query can be scored (a MAP over no queries is no result); `source` names the file. */
export function requireEvaluable(queries: readonly RerankQuery[], source: string): void {
  if (!queries.some(evaluable)) {
    throw new Error(
      `${source}: no usable queries (each needs at least one positive and one negative candidate; ${queries.length} read)`,
    );
  }
}

/** Candidates in a fixed order: positives then negatives, with their labels. */
export function candidatesOf(q: RerankQuery): { texts: string[]; labels: Label[] } {
  return {
    texts: [...q.positive, ...q.negative],
    labels: [...q.positive.map((): Label => 1), ...q.negative.map((): Label => 0)],
  };
}

/** MAP / MRR@10 from already-scored queries; those lacking a positive or a negative are skipped. */
export function metricsFromScores(items: readonly ScoredQuery[]): RerankMetrics {
  let n = 0;
  let ap = 0;
  let rr = 0;
  for (const { scores, labels } of items) {
    const pos = labels.reduce<number>((s, l) => s + l, 0);
    if (pos === 0 || pos === labels.length) continue;
    n++;
    ap += averagePrecision(scores, labels);
    rr += reciprocalRank(scores, labels, 10);
  }
  return n === 0 ? { queries: 0, map: NaN, mrr10: NaN } : { queries: n, map: (100 * ap) / n, mrr10: (100 * rr) / n };
}

/** Synchronous MAP / MRR@10 with a per-query score function. */
export function rerankMetrics(
  queries: readonly RerankQuery[],
  scoreFn: (query: string, candidates: readonly string[]) => number[],
): RerankMetrics {
  return metricsFromScores(
    queries.filter(evaluable).map((q) => {
      const { texts, labels } = candidatesOf(q);
      const scores = scoreFn(q.query, texts);
      if (scores.length !== texts.length) {
        throw new Error(`rerankMetrics: scorer returned ${scores.length} scores for ${texts.length} candidates`);
      }
      return { scores, labels };
    }),
  );
}

export interface EvaluateRerankOptions {
  /** Max texts per embedFn call (default 512); each distinct text is embedded once. */
  batchSize?: number;
}

/** Embed every distinct text once (in batches) and look embeddings up by text. */
export async function embedUnique(
  texts: Iterable<string>,
  embedFn: EmbedFn,
  batchSize = 512,
): Promise<Map<string, Float32Array>> {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const unique = [...new Set(texts)];
  const out = new Map<string, Float32Array>();
  for (let o = 0; o < unique.length; o += batchSize) {
    const batch = unique.slice(o, o + batchSize);
    const embs = await embedFn(batch);
    if (embs.length !== batch.length)
      throw new Error(`embedFn returned ${embs.length} embeddings for ${batch.length} texts`);
    batch.forEach((t, i) => out.set(t, embs[i]!));
  }
  return out;
}

/**
 * Rerank evaluation with either an embedding function (cosine of query and candidate embeddings)
 * or a scorer object (e.g. `new TfIdf(pool).scorer()`, `randomScorer(seed)`).
 */
export async function evaluateRerank(
  queries: readonly RerankQuery[],
  model: EmbedFn | RerankScorer,
  options: EvaluateRerankOptions = {},
): Promise<RerankMetrics> {
  const qs = queries.filter(evaluable);
  const items: ScoredQuery[] = [];
  if (typeof model === 'function') {
    const emb = await embedUnique(
      qs.flatMap((q) => [q.query, ...q.positive, ...q.negative]),
      model,
      options.batchSize,
    );
    for (const q of qs) {
      const { texts, labels } = candidatesOf(q);
      const qe = emb.get(q.query)!;
      items.push({ scores: texts.map((t) => cosineSimilarity(qe, emb.get(t)!)), labels });
    }
  } else {
    for (const q of qs) {
      const { texts, labels } = candidatesOf(q);
      const scores = await model.score(q.query, texts);
      if (scores.length !== texts.length) {
        throw new Error(`evaluateRerank: scorer returned ${scores.length} scores for ${texts.length} candidates`);
      }
      items.push({ scores, labels });
    }
  }
  return metricsFromScores(items);
}
