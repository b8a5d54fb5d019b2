// JEPA with VICReg: a sentence and a WordCrop view of it through the same encoder, an expander
// on each pooled embedding, and the VICReg loss on the two expansions. Optionally a pretext loss
// (MLM or TSDAE) on the same sentences joins it: loss = VICReg + auxWeight · pretext.
import { Expander } from '@jepa/nn';
import type { SentenceEncoder } from '../model/encoder.ts';
import { vicregLoss } from '../loss/vicreg.ts';
import type { TrainConfig } from '../train/config.ts';
import { makeViews } from '../views/wordcrop.ts';
import { mlmObjective } from './mlm.ts';
import type { ObjectiveImpl } from './objective.ts';
import { tsdaeObjective } from './tsdae.ts';

export function expanderDims(cfg: Pick<TrainConfig, 'expander'>, hidden: number): number[] {
  return [hidden, ...(cfg.expander.length ? cfg.expander : [4 * hidden, 4 * hidden, 4 * hidden])];
}

export function jepaObjective(enc: SentenceEncoder, cfg: TrainConfig): ObjectiveImpl {
  const expander = new Expander(expanderDims(cfg, enc.hidden), { finalBias: cfg.expanderFinalBias });
  const aux = cfg.aux === 'mlm' ? mlmObjective(enc, cfg) : cfg.aux === 'tsdae' ? tsdaeObjective(enc, cfg) : null;
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
      // Each term is logged unweighted, under its own name.
      return {
        loss: t.loss.add(p.loss.mul(cfg.auxWeight)),
        terms: { ...terms, vicreg: t.loss, [aux.name]: p.loss },
        tokens: tokens + p.tokens,
      };
    },
  };
}
