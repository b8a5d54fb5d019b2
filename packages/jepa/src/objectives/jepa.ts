// JEPA with VICReg: a sentence and a WordCrop view of it through the same encoder, an expander
// on each pooled embedding, and the VICReg loss on the two expansions. Optionally a pretext loss
// (MLM or TSDAE) on the same sentences, or the labelled pairs' ranking loss on a batch of pairs,
// joins it: loss = VICReg + auxWeight · aux.
import { Expander } from '@jepa/nn';
import type { SentenceEncoder } from '../model/encoder.ts';
import { vicregLoss } from '../loss/vicreg.ts';
import type { TrainConfig } from '../train/config.ts';
import { makeViews } from '../views/wordcrop.ts';
import { mlmObjective } from './mlm.ts';
import type { ObjectiveData, ObjectiveImpl } from './objective.ts';
import { pairsObjective } from './pairs.ts';
import { tsdaeObjective } from './tsdae.ts';

export function expanderDims(cfg: Pick<TrainConfig, 'expander'>, hidden: number): number[] {
  return [hidden, ...(cfg.expander.length ? cfg.expander : [4 * hidden, 4 * hidden, 4 * hidden])];
}

function auxObjective(enc: SentenceEncoder, cfg: TrainConfig, data: ObjectiveData): ObjectiveImpl | null {
  if (cfg.aux === 'mlm') return mlmObjective(enc, cfg);
  if (cfg.aux === 'tsdae') return tsdaeObjective(enc, cfg);
  if (cfg.aux === 'pairs') return pairsObjective(enc, cfg, data.pairs);
  return null;
}

export function jepaObjective(enc: SentenceEncoder, cfg: TrainConfig, data: ObjectiveData = {}): ObjectiveImpl {
  const expander = new Expander(expanderDims(cfg, enc.hidden), { finalBias: cfg.expanderFinalBias });
  const aux = auxObjective(enc, cfg, data);
  return {
    name: 'jepa',
    heads: { expander, ...aux?.heads },
    step(sentences, rng) {
      const views = makeViews([...sentences], { rng, cropBoth: cfg.cropBoth, cropRest: cfg.cropRest });
      const a = enc.tokenize(views.a);
      const b = enc.tokenize(views.b);
      const za = expander.forward(enc.encode(a));
      const zb = expander.forward(enc.encode(b));
      const t = vicregLoss(za, zb, { formula: cfg.loss, lambda: cfg.lambda, mu: cfg.mu, nu: cfg.nu });
      const terms = { inv: t.invariance, var: t.variance, cov: t.covariance };
      const tokens = a.batch * a.seqLen + b.batch * b.seqLen;
      if (!aux) return { loss: t.loss, terms, tokens };
      const p = aux.step(sentences, rng);
      // Each term is logged unweighted, under its own name (the aux's own terms prefixed: pairsAcc).
      const auxTerms = Object.entries(p.terms).map(([k, v]) => [`${aux.name}${k[0].toUpperCase()}${k.slice(1)}`, v]);
      return {
        loss: t.loss.add(p.loss.mul(cfg.auxWeight)),
        terms: { ...terms, vicreg: t.loss, [aux.name]: p.loss, ...Object.fromEntries(auxTerms) },
        tokens: tokens + p.tokens,
      };
    },
  };
}
