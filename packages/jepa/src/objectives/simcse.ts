// Unsupervised SimCSE: the same sentences twice through the encoder (different dropout masks),
// in-batch InfoNCE over cosine similarities at temperature τ.
import { arange, crossEntropy, div, matmul, sqrt, sum, transpose, type Tensor } from '@jepa/tensor';
import type { SentenceEncoder } from '../model/encoder.ts';
import type { TrainConfig } from '../train/config.ts';
import type { ObjectiveImpl } from './objective.ts';

export function l2normalize(x: Tensor): Tensor {
  return div(x, sqrt(sum(x.square(), -1, true).add(1e-12)));
}

export function simcseObjective(enc: SentenceEncoder, cfg: TrainConfig): ObjectiveImpl {
  return {
    name: 'simcse',
    heads: {},
    step(sentences) {
      const b = enc.tokenize(sentences);
      const z1 = l2normalize(enc.encode(b));
      const z2 = l2normalize(enc.encode(b));
      const logits = matmul(z1, transpose(z2)).mul(1 / cfg.temperature);
      const labels = arange(0, b.batch, 1, 'i32');
      const loss = crossEntropy(logits, labels);
      return { loss, terms: {}, tokens: 2 * b.batch * b.seqLen };
    },
  };
}
