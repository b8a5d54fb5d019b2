// JEPA with VICReg: a sentence and a WordCrop view of it (or, with --views, a view of a kind drawn
// per sentence) through the same encoder, an expander on each pooled embedding, and the VICReg loss
// on the two expansions. Optionally a pretext loss (MLM or TSDAE) on the same sentences, the labelled
// pairs' ranking loss on a batch of pairs, or a head predicting each view's kind from the two
// expansions (transform) joins it: loss = VICReg + auxWeight · aux.
import { Expander } from '@jepa/nn';
import type { Tensor } from '@jepa/tensor';
import type { SentenceEncoder } from '../model/encoder.ts';
import { vicregLoss } from '../loss/vicreg.ts';
import type { TrainConfig } from '../train/config.ts';
import type { Rng } from '../util/rng.ts';
import type { ViewKind } from '../views/kinds.ts';
import { makeMixedViews } from '../views/mixed.ts';
import { mlmObjective } from './mlm.ts';
import type { ObjectiveData, ObjectiveImpl, StepOutput } from './objective.ts';
import { pairsObjective } from './pairs.ts';
import { transformHead, transformLoss } from './transform-head.ts';
import { tsdaeObjective } from './tsdae.ts';

export function expanderDims(cfg: Pick<TrainConfig, 'expander'>, hidden: number): number[] {
  return [hidden, ...(cfg.expander.length ? cfg.expander : [4 * hidden, 4 * hidden, 4 * hidden])];
}

/** What an aux loss sees: the batch and the step's Rng, and JEPA's two expansions with the views' kinds. */
interface JepaAux {
  name: string;
  heads: ObjectiveImpl['heads'];
  step(sentences: readonly string[], rng: Rng, seen: { za: Tensor; zb: Tensor; labels: Int32Array }): StepOutput;
}

function auxObjective(enc: SentenceEncoder, cfg: TrainConfig, data: ObjectiveData, zDim: number): JepaAux | null {
  if (cfg.aux === 'transform') {
    const head = transformHead(zDim);
    return {
      name: 'transform',
      heads: { transform: head },
      step(_sentences, _rng, { za, zb, labels }) {
        const { loss, accuracy } = transformLoss(head, za, zb, labels);
        return { loss, terms: { acc: accuracy }, tokens: 0 };
      },
    };
  }
  const o =
    cfg.aux === 'mlm'
      ? mlmObjective(enc, cfg)
      : cfg.aux === 'tsdae'
        ? tsdaeObjective(enc, cfg)
        : cfg.aux === 'pairs'
          ? pairsObjective(enc, cfg, data.pairs)
          : null;
  return o && { name: o.name, heads: o.heads, step: (sentences, rng) => o.step(sentences, rng) };
}

export function jepaObjective(enc: SentenceEncoder, cfg: TrainConfig, data: ObjectiveData = {}): ObjectiveImpl {
  const dims = expanderDims(cfg, enc.hidden);
  const expander = new Expander(dims, { finalBias: cfg.expanderFinalBias });
  const aux = auxObjective(enc, cfg, data, dims[dims.length - 1]);
  const kinds = cfg.views as ViewKind[]; // checked by resolveConfig
  return {
    name: 'jepa',
    heads: { expander, ...aux?.heads },
    step(sentences, rng) {
      const views = makeMixedViews(sentences, {
        rng,
        cropBoth: cfg.cropBoth,
        cropRest: cfg.cropRest,
        kinds,
        rate: cfg.viewRate,
        relations: data.relations,
      });
      const a = enc.tokenize(views.a);
      const b = enc.tokenize(views.b);
      const za = expander.forward(enc.encode(a));
      const zb = expander.forward(enc.encode(b));
      const t = vicregLoss(za, zb, { formula: cfg.loss, lambda: cfg.lambda, mu: cfg.mu, nu: cfg.nu });
      const terms = { inv: t.invariance, var: t.variance, cov: t.covariance };
      const tokens = a.batch * a.seqLen + b.batch * b.seqLen;
      if (!aux) return { loss: t.loss, terms, tokens };
      const p = aux.step(sentences, rng, { za, zb, labels: views.labels });
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
