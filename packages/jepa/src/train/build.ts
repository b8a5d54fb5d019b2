// What a run trains: the encoder (model/build.ts) and the objective's heads around it.
import type { Module } from '@jepa/nn';
import { buildEncoder } from '../model/build.ts';
import { WordScale } from '../model/word-scale.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import { jepaEmaObjective } from '../objectives/jepa-ema.ts';
import { jepaObjective } from '../objectives/jepa.ts';
import { mlmObjective } from '../objectives/mlm.ts';
import type { ObjectiveData, ObjectiveImpl } from '../objectives/objective.ts';
import { pairsObjective } from '../objectives/pairs.ts';
import { simcseObjective } from '../objectives/simcse.ts';
import { tsdaeObjective } from '../objectives/tsdae.ts';
import { loadTrainPairs, usesPairs } from '../data/pairs.ts';
import { loadRelations } from '../data/wordnet.ts';
import { needsRelations } from '../views/mixed.ts';
import type { TrainConfig } from './config.ts';

export interface TrainContext {
  encoder: SentenceEncoder;
  objective: ObjectiveImpl;
  /** Everything with trainable weights: the BERT, the SIF weights' scale if it trains, the objective's heads. */
  modules: Module[];
}

const OBJECTIVES: Record<
  TrainConfig['objective'],
  (e: SentenceEncoder, c: TrainConfig, d: ObjectiveData) => ObjectiveImpl
> = {
  jepa: jepaObjective,
  'jepa-ema': jepaEmaObjective,
  mlm: mlmObjective,
  simcse: simcseObjective,
  tsdae: tsdaeObjective,
  pairs: (e, c, d) => pairsObjective(e, c, d.pairs),
};

/** Build the encoder and objective for a config (weights from the seed, or from `cfg.init`); `pool`
 *  (default: read from cfg.trainFile) gives the `ppmi` init and SIF pooling their counts. */
export async function buildModel(
  cfg: TrainConfig,
  pool?: readonly string[],
  log?: (message: string) => void,
): Promise<TrainContext> {
  const encoder = await buildEncoder(cfg, { pool, log });
  if (cfg.sifLrScale > 0) encoder.wordScale = new WordScale(encoder.tokenizer.vocabSize);
  const objective = OBJECTIVES[cfg.objective](encoder, cfg, {
    pairs: usesPairs(cfg) ? loadTrainPairs(cfg) : undefined,
    relations: cfg.objective === 'jepa' && needsRelations(cfg.views) ? loadRelations() : undefined,
  });
  const scale = encoder.wordScale ? [encoder.wordScale] : [];
  return { encoder, objective, modules: [encoder.bert, ...scale, ...Object.values(objective.heads)] };
}
