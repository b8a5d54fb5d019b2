// Labelled pairs (`--objective pairs`, or `--aux pairs` beside JEPA): each step draws a batch of
// pairs and trains with the symmetric MultipleNegativesRankingLoss (loss/mnrl.ts), the run's own
// pooling giving each title's vector. The batch is drawn with the step's RNG, a function of
// (seed, step), so a resumed run draws what the uninterrupted one drew.
import type { Pair } from '../data/pairs.ts';
import { mnrlLoss } from '../loss/mnrl.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import type { TrainConfig } from '../train/config.ts';
import type { Rng } from '../util/rng.ts';
import type { ObjectiveImpl } from './objective.ts';

/**
 * Up to `size` pairs in a random order, no title (case aside) in two of them, as sentence-transformers'
 * NoDuplicatesDataLoader: a title twice in a batch would be its own negative. Fewer only if the pairs
 * run out of new titles.
 */
export function drawPairs(pairs: readonly Pair[], size: number, rng: Rng): Pair[] {
  const order = [...pairs.keys()];
  const seen = new Set<string>();
  const out: Pair[] = [];
  // A lazy Fisher-Yates: only the prefix the batch needs is shuffled.
  for (let i = 0; i < order.length && out.length < size; i++) {
    const j = rng.uniformInt(i, order.length - 1);
    [order[i], order[j]] = [order[j], order[i]];
    const [a, b] = pairs[order[i]];
    const ka = a.toLowerCase();
    const kb = b.toLowerCase();
    if (seen.has(ka) || seen.has(kb)) continue;
    seen.add(ka).add(kb);
    out.push(pairs[order[i]]);
  }
  return out;
}

export function pairsObjective(
  enc: SentenceEncoder,
  cfg: Pick<TrainConfig, 'batchSize' | 'pairsScale'>,
  pairs: readonly Pair[] | undefined,
): ObjectiveImpl {
  if (!pairs || pairs.length < 2)
    throw new Error(`pairs: needs at least 2 labelled pairs (in-batch negatives), got ${pairs?.length ?? 0}`);
  return {
    name: 'pairs',
    heads: {},
    step(_sentences, rng) {
      const batch = drawPairs(pairs, cfg.batchSize, rng);
      // One pass over both sides: a_1..a_B then b_1..b_B.
      const t = enc.tokenize([...batch.map((p) => p[0]), ...batch.map((p) => p[1])]);
      const z = enc.encode(t);
      const B = batch.length;
      const { loss, accuracy } = mnrlLoss(z.slice(0, 0, B), z.slice(0, B, 2 * B), cfg.pairsScale);
      return { loss, terms: { acc: accuracy }, tokens: t.batch * t.seqLen };
    },
  };
}
