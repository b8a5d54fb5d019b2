// Optimizer parameter groups for a run: the default split (decay on matrices, none on biases and
// norm scales), with the word-embedding table in its own group when its learning rate is scaled.
// From scratch, a rare token's row gets a gradient only in the few batches that hold it, and Adam
// moves such a row by many times the learning rate per occurrence; the scale tests that.
import { isNoDecay, type BertModel, type Module, type ParamGroup, type ParamsInput } from '@jepa/nn';
import type { TrainConfig } from './config.ts';

export function trainParamGroups(bert: BertModel, modules: readonly Module[], cfg: Pick<TrainConfig, 'embLrScale' | 'weightDecay'>): ParamsInput {
  if (cfg.embLrScale === 1) return modules;
  const word = bert.embeddings.wordEmbeddings.weight;
  const rest = modules.flatMap((m) => m.parameters()).filter((t) => t !== word);
  const groups: ParamGroup[] = [
    { params: rest.filter((t) => !isNoDecay(t)), weightDecay: cfg.weightDecay },
    { params: rest.filter(isNoDecay), weightDecay: 0 },
    { params: [word], weightDecay: cfg.weightDecay, lrScale: cfg.embLrScale },
  ];
  return groups;
}
