// Optimizer parameter groups for a run: the default split (decay on matrices, none on biases and
// norm scales), with the word-embedding table and the Transformer layers in groups of their own
// when their learning rates are scaled. From scratch, a rare token's row gets a gradient only in
// the few batches that hold it, and Adam moves such a row by many times the learning rate per
// occurrence; the layers' scale separates what the word table learns from what the layers do
// with it. A scale of 0 freezes: those tensors leave the optimizer and stop requiring gradients
// (frozenParams), so backward skips their weight gradients and the clip norm counts only what
// trains, as with PyTorch's requires_grad_(False). A learnt scale on the SIF weights
// (`--sif-lr-scale`) trains in a group of its own, without weight decay.
import type { Tensor } from '@jepa/tensor';
import { isNoDecay, type BertModel, type Module, type ParamGroup, type ParamsInput } from '@jepa/nn';
import type { TrainConfig } from './config.ts';

export function trainParamGroups(
  bert: BertModel,
  modules: readonly Module[],
  cfg: Pick<TrainConfig, 'embLrScale' | 'layerLrScale' | 'weightDecay' | 'sifLrScale'>,
  wordScale: Tensor | null = null,
): ParamsInput {
  if (cfg.embLrScale === 1 && cfg.layerLrScale === 1 && !wordScale) return modules;
  const word = bert.embeddings.wordEmbeddings.weight;
  const layers = new Set<Tensor>(cfg.layerLrScale === 1 ? [] : bert.encoder.parameters());
  const all = modules.flatMap((m) => m.parameters()).filter((t) => t !== wordScale);
  const rest = all.filter((t) => (cfg.embLrScale === 1 || t !== word) && !layers.has(t));
  const split = (params: Tensor[], lrScale: number): ParamGroup[] => [
    {
      params: params.filter((t) => !isNoDecay(t)),
      weightDecay: cfg.weightDecay,
      ...(lrScale === 1 ? {} : { lrScale }),
    },
    { params: params.filter(isNoDecay), weightDecay: 0, ...(lrScale === 1 ? {} : { lrScale }) },
  ];
  const groups = split(rest, 1);
  if (cfg.embLrScale !== 1) groups.push({ params: [word], weightDecay: cfg.weightDecay, lrScale: cfg.embLrScale });
  if (layers.size)
    groups.push(
      ...split(
        all.filter((t) => layers.has(t)),
        cfg.layerLrScale,
      ),
    );
  if (wordScale) groups.push({ params: [wordScale], weightDecay: 0, lrScale: cfg.sifLrScale });
  return groups.filter((g) => g.params.length > 0 && g.lrScale !== 0);
}

/** The tensors a run leaves untouched (lr scale 0): the word table, the Transformer layers or both. */
export function frozenParams(bert: BertModel, cfg: Pick<TrainConfig, 'embLrScale' | 'layerLrScale'>): Tensor[] {
  return [
    ...(cfg.embLrScale === 0 ? [bert.embeddings.wordEmbeddings.weight] : []),
    ...(cfg.layerLrScale === 0 ? bert.encoder.parameters() : []),
  ];
}
