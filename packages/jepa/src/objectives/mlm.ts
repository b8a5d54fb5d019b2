// Masked language modelling (BERT): 15% of real tokens are chosen; of those 80% become [MASK],
// 10% a random token, 10% stay; the loss is cross-entropy at the chosen positions only, through a
// head tied to the word embeddings. Logits are computed only at chosen positions, so the
// [tokens × vocab] matrix never exists (it would exceed the per-binding limit at BERT-base scale).
import { BertMLMHead } from '@jepa/nn';
import { crossEntropy, indexSelect, reshape, tensor } from '@jepa/tensor';
import type { SentenceEncoder } from '../model/encoder.ts';
import type { TrainConfig } from '../train/config.ts';
import type { Rng } from '../util/rng.ts';
import type { ObjectiveImpl } from './objective.ts';

export interface MaskPlan {
  ids: Int32Array;
  positions: Int32Array;
  targets: Int32Array;
}

export function planMasking(
  ids: Int32Array,
  mask: Int32Array,
  rng: Rng,
  o: { rate: number; maskId: number; vocabSize: number; special: ReadonlySet<number> },
): MaskPlan {
  const out = Int32Array.from(ids);
  const pos: number[] = [];
  const tgt: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (!mask[i] || o.special.has(ids[i])) continue;
    if (rng.float() >= o.rate) continue;
    pos.push(i);
    tgt.push(ids[i]);
    const r = rng.float();
    if (r < 0.8) out[i] = o.maskId;
    else if (r < 0.9) out[i] = rng.uniformInt(0, o.vocabSize - 1);
  }
  if (pos.length === 0) {
    // Guarantee at least one target so the loss is defined.
    const i = [...ids.keys()].find((k) => mask[k] && !o.special.has(ids[k]));
    if (i !== undefined) {
      pos.push(i);
      tgt.push(ids[i]);
      out[i] = o.maskId;
    }
  }
  return { ids: out, positions: Int32Array.from(pos), targets: Int32Array.from(tgt) };
}

export function mlmObjective(enc: SentenceEncoder, cfg: TrainConfig): ObjectiveImpl {
  const head = new BertMLMHead(enc.bert.config, enc.bert.embeddings.wordEmbeddings.weight);
  const tok = enc.tokenizer;
  const special = new Set([tok.padId, tok.clsId, tok.sepId, tok.unkId, tok.maskId]);
  return {
    name: 'mlm',
    heads: { mlm: head },
    step(sentences, rng) {
      const b = enc.tokenize(sentences);
      const plan = planMasking(b.hostIds, b.hostMask, rng, {
        rate: cfg.maskRate,
        maskId: tok.maskId,
        vocabSize: tok.vocabSize,
        special,
      });
      b.ids.dispose();
      const ids = tensor(plan.ids, [b.batch, b.seqLen], 'i32');
      const { lastHidden } = enc.bert.forward(ids, b.mask);
      const flat = reshape(lastHidden, [b.batch * b.seqLen, enc.hidden]);
      const picked = indexSelect(flat, 0, tensor(plan.positions, [plan.positions.length], 'i32'));
      const logits = head.forward(picked);
      const loss = crossEntropy(logits, tensor(plan.targets, [plan.targets.length], 'i32'));
      return { loss, terms: {}, tokens: b.batch * b.seqLen };
    },
  };
}
