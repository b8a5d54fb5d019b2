// What a run is measured against: TF-IDF and random order on its dev set, and the run's own start
// (the encoder the trainer builds, untrained). A run that does not beat its start learned nothing.
import { ASKUBUNTU_DEV_PATH } from '../data/paths.ts';
import { loadRerankJsonl } from '../data/rerank.ts';
import { loadTrainPool } from '../data/train.ts';
import { lexicalBaselines } from '../eval/baselines.ts';
import type { RerankMetrics } from '../eval/rerank.ts';
import { buildEncoder } from '../model/build.ts';
import type { ReportBaseline } from '../report/html.ts';
import type { TrainConfig } from './config.ts';
import { evaluateEncoder } from './evaluate.ts';

export interface RunBaselines {
  /** The untrained encoder the run starts from (random init from scratch, or its --init dir). */
  start: Pick<RerankMetrics, 'map' | 'mrr10'>;
  tfidf: RerankMetrics;
  random: RerankMetrics;
}

/** The baselines of the run `cfg` describes, on its dev set (the whole of it). */
export async function runBaselines(cfg: TrainConfig): Promise<RunBaselines> {
  const dev = loadRerankJsonl(cfg.evalFile ?? ASKUBUNTU_DEV_PATH);
  const pool = loadTrainPool(cfg.trainFile ?? undefined);
  const { tfidf, random } = await lexicalBaselines(dev, pool, cfg.seed);
  const enc = await buildEncoder(cfg, { pool });
  try {
    const { map, mrr10 } = await evaluateEncoder(enc, dev);
    return { start: { map, mrr10 }, tfidf, random };
  } finally {
    enc.bert.dispose();
  }
}

/** The baselines named for a table or a chart: the run's start, TF-IDF, random order. */
export function namedBaselines(cfg: TrainConfig, b: RunBaselines): ReportBaseline[] {
  const start = cfg.init
    ? `${cfg.init} before training`
    : `untrained start (${cfg.preset}, ${cfg.embeddingInit} embeddings)`;
  return [
    { name: start, short: 'untrained', map: b.start.map, mrr10: b.start.mrr10 },
    { name: 'TF-IDF cosine', short: 'TF-IDF', map: b.tfidf.map, mrr10: b.tfidf.mrr10 },
    { name: 'random order', short: 'random', map: b.random.map, mrr10: b.random.mrr10 },
  ];
}
