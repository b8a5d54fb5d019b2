// Predictive JEPA (as I-JEPA and data2vec): the context encoder sees a WordCrop of the sentence; a
// target encoder, an exponential moving average of the context encoder that takes no gradient, sees
// the whole sentence; a small predictor maps the context embedding to the target embedding. The
// loss between prediction and target is VICReg (its variance and covariance terms act on the
// prediction; the target is a constant) or a regression onto the layer-normalised target
// (data2vec, I-JEPA). The EMA weights are saved with the trainer state, so a resumed run is exact.
import { BertModel, Expander } from '@jepa/nn';
import { div, mean, noGrad, sqrt, square, sub, type Tensor } from '@jepa/tensor';
import { vicregLoss } from '../loss/vicreg.ts';
import { SentenceEncoder } from '../model/encoder.ts';
import type { TrainConfig } from '../train/config.ts';
import { makeViews } from '../views/wordcrop.ts';
import { emaMomentum, emaUpdate } from './ema.ts';
import type { ObjectiveImpl, StepOutput } from './objective.ts';

export function predictorDims(cfg: Pick<TrainConfig, 'predictor'>, hidden: number): number[] {
  return [hidden, ...(cfg.predictor.length ? cfg.predictor : [4 * hidden]), hidden];
}

/** Each row shifted to mean 0 and scaled to variance 1 (LayerNorm without affine). */
function standardise(x: Tensor): Tensor {
  const c = sub(x, mean(x, -1, true));
  return div(c, sqrt(mean(square(c), -1, true).add(1e-6)));
}

export function jepaEmaObjective(enc: SentenceEncoder, cfg: TrainConfig): ObjectiveImpl {
  const target = new BertModel(enc.bert.config, { pooler: !!enc.bert.pooler });
  target.loadStateDict(enc.bert.stateDict());
  target.eval(); // targets without dropout
  const targetEnc = new SentenceEncoder(target, enc.tokenizer, enc.pooling, enc.maxTokens, enc.tokenWeights);
  targetEnc.wordScale = enc.wordScale; // one learnt pooling for both sides (no gradient through the target's)
  const predictor = new Expander(predictorDims(cfg, enc.hidden));
  const momentum = { start: cfg.emaMomentum, end: cfg.emaMomentumEnd, schedule: cfg.emaSchedule };
  return {
    name: 'jepa-ema',
    heads: { predictor },
    frozen: { target },
    step(sentences, rng): StepOutput {
      const views = makeViews([...sentences], { rng, cropBoth: cfg.cropBoth, cropRest: cfg.cropRest });
      const ctx = enc.tokenize(views.b);
      const full = enc.tokenize(views.a);
      const pred = predictor.forward(enc.encode(ctx));
      const tgt = noGrad(() => targetEnc.encode(full));
      const tokens = ctx.batch * ctx.seqLen + full.batch * full.seqLen;
      if (cfg.emaLoss === 'mse') {
        const loss = mean(
          square(
            sub(
              pred,
              noGrad(() => standardise(tgt)),
            ),
          ),
        );
        return { loss, terms: {}, tokens };
      }
      const t = vicregLoss(pred, tgt, { formula: cfg.loss, lambda: cfg.lambda, mu: cfg.mu, nu: cfg.nu });
      return { loss: t.loss, terms: { inv: t.invariance, var: t.variance, cov: t.covariance }, tokens };
    },
    afterStep(step) {
      emaUpdate(target, enc.bert, emaMomentum(step, cfg.steps, momentum));
    },
  };
}
