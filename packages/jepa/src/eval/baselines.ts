// Reference scorers that any trained encoder should beat on AskUbuntu reranking.
import type { RerankQuery } from '../data/rerank.ts';
import { Rng } from '../util/rng.ts';
import { evaluateRerank, type RerankMetrics, type RerankScorer } from './rerank.ts';
import { TfIdf } from './tfidf.ts';

/** Random order: i.i.d. uniform scores from a seeded stream (ties have probability ~0). */
export function randomScorer(seed: number): RerankScorer {
  const rng = Rng.fromSeed(seed);
  return { score: (_query, candidates) => candidates.map(() => rng.float()) };
}

/**
 * Exact expected AP (in [0, 1]) of a uniformly random order of n candidates with nPos positives:
 * E[AP] = (1/n) * (H_n + (nPos-1)/(n-1) * (n - H_n)). A sanity check for random baselines.
 */
export function expectedRandomAp(nPos: number, n: number): number {
  if (!Number.isInteger(nPos) || !Number.isInteger(n) || nPos < 1 || nPos > n) {
    throw new Error(`expectedRandomAp: need integers 1 <= nPos <= n, got ${nPos}, ${n}`);
  }
  if (n === 1) return 1;
  let h = 0;
  for (let k = 1; k <= n; k++) h += 1 / k;
  return (h + ((nPos - 1) / (n - 1)) * (n - h)) / n;
}

/** The lexical baselines on `dev`: TF-IDF cosine with document frequencies from `pool`, and random order. */
export async function lexicalBaselines(
  dev: readonly RerankQuery[],
  pool: readonly string[],
  seed: number,
): Promise<{ tfidf: RerankMetrics; random: RerankMetrics }> {
  const tfidf = await evaluateRerank(dev, new TfIdf(pool).scorer());
  const random = await evaluateRerank(dev, randomScorer(seed));
  return { tfidf, random };
}
