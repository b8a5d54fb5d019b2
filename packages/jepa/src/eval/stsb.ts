// STS-B evaluation: Spearman correlation (×100) between embedding cosine and gold score.
import type { StsPair } from '../data/stsb.ts';
import { cosineSimilarity } from './cosine.ts';
import { embedUnique, type EmbedFn } from './rerank.ts';
import { spearman } from './spearman.ts';

export interface StsbMetrics {
  pairs: number;
  /** Spearman's rho ×100. */
  spearman: number;
}

export async function evaluateStsb(
  pairs: readonly StsPair[],
  embedFn: EmbedFn,
  options: { batchSize?: number } = {},
): Promise<StsbMetrics> {
  const emb = await embedUnique(
    pairs.flatMap((p) => [p.s1, p.s2]),
    embedFn,
    options.batchSize,
  );
  const cos = pairs.map((p) => cosineSimilarity(emb.get(p.s1)!, emb.get(p.s2)!));
  return {
    pairs: pairs.length,
    spearman:
      100 *
      spearman(
        cos,
        pairs.map((p) => p.score),
      ),
  };
}
