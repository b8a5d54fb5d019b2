// `--aux transform`, the seed's own formulation of its pretext tasks: from the two projected
// embeddings (the expander outputs z of the sentence and z' of its view), a linear head on
// [z, z', |z − z'|, z ⊙ z'] (the features of InferSent's classifier) predicts which --views kind made
// the view; the loss is the cross-entropy, and its gradient reaches the encoder through z and z'.
import { Linear } from '@jepa/nn';
import { concat, crossEntropy, ge, max, mean, noGrad, oneHot, sum, tensor, type Tensor } from '@jepa/tensor';
import { VIEW_KINDS } from '../views/kinds.ts';

/** The head: 4·dim features -> one logit per view kind (all of VIEW_KINDS, so labels never move). */
export const transformHead = (dim: number): Linear => new Linear(4 * dim, VIEW_KINDS.length);

export interface TransformTerms {
  loss: Tensor;
  /** Share of the batch whose kind has the top logit (ties count as right); no gradient. */
  accuracy: Tensor;
}

/** The head's loss for views whose kinds are `labels` (indices in VIEW_KINDS). */
export function transformLoss(head: Linear, z: Tensor, zView: Tensor, labels: Int32Array): TransformTerms {
  if (z.rank !== 2 || z.shape[0] !== labels.length || zView.shape.join() !== z.shape.join())
    throw new Error(
      `transformLoss: expected two [B, D] embeddings and B labels, got [${z.shape}], [${zView.shape}] and ${labels.length}`,
    );
  const features = concat([z, zView, z.sub(zView).abs(), z.mul(zView)], 1);
  const logits = head.forward(features);
  const target = tensor(labels, [labels.length], 'i32');
  const loss = crossEntropy(logits, target);
  const accuracy = noGrad(() =>
    mean(ge(sum(logits.mul(oneHot(target, VIEW_KINDS.length)), -1, true), max(logits, -1, true))),
  );
  return { loss, accuracy };
}
