// TSDAE (Wang, Reimers & Gurevych 2021): delete a share of each sentence's words, encode what is
// left, pool it to one vector, and reconstruct the whole original sentence with a Transformer
// decoder whose cross-attention sees that vector only; the loss is the cross-entropy of each
// original token given the ones before it. Words are the tokenizer's (words and punctuation), as the
// paper's code deletes nltk tokens; the decoder is tied to the encoder (see BertDecoder).
import { BertDecoder, basicTokenize } from '@jepa/nn';
import { reshape, tensor, type Tensor } from '@jepa/tensor';
import type { SentenceEncoder } from '../model/encoder.ts';
import type { TrainConfig } from '../train/config.ts';
import type { Rng } from '../util/rng.ts';
import type { ObjectiveImpl } from './objective.ts';

/** Each word deleted with probability `ratio`, independently; one random word survives if none did. */
export function deleteWords(sentence: string, ratio: number, rng: Rng): string {
  const words = basicTokenize(sentence);
  if (words.length === 0) return sentence;
  let kept = words.filter(() => rng.float() >= ratio);
  if (kept.length === 0) kept = [words[rng.uniformInt(0, words.length - 1)]];
  return kept.join(' ');
}

/**
 * Teacher forcing over a tokenized batch [B, T]: the decoder reads tokens 0..T-2 and predicts
 * 1..T-1; rows whose target is padding are left out. Positions index the flat [B, T-1] input.
 */
export function shiftTargets(
  ids: Int32Array,
  mask: Int32Array,
  B: number,
  T: number,
): { input: Int32Array; positions: Int32Array; targets: Int32Array } {
  const input = new Int32Array(B * (T - 1));
  const pos: number[] = [];
  const tgt: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T - 1; t++) {
      input[b * (T - 1) + t] = ids[b * T + t];
      if (mask[b * T + t + 1]) {
        pos.push(b * (T - 1) + t);
        tgt.push(ids[b * T + t + 1]);
      }
    }
  }
  return { input, positions: Int32Array.from(pos), targets: Int32Array.from(tgt) };
}

export interface TsdaePretext {
  decoder: BertDecoder;
  /** Reconstruction loss of `sentences` from their noisy sentence vectors, and tokens processed. */
  loss(sentences: readonly string[], rng: Rng): { loss: Tensor; tokens: number };
}

export function tsdaePretext(enc: SentenceEncoder, cfg: Pick<TrainConfig, 'deleteRatio' | 'decoderTie'>): TsdaePretext {
  const decoder = new BertDecoder(enc.bert, { tie: cfg.decoderTie });
  return {
    decoder,
    loss(sentences, rng) {
      const noisy = enc.tokenize(sentences.map((s) => deleteWords(s, cfg.deleteRatio, rng)));
      const z = enc.encode(noisy);
      const orig = enc.tokenize(sentences);
      orig.ids.dispose();
      orig.mask.dispose();
      const T = orig.seqLen;
      const { input, positions, targets } = shiftTargets(orig.hostIds, orig.hostMask, orig.batch, T);
      const hidden = decoder.forward(
        tensor(input, [orig.batch, T - 1], 'i32'),
        reshape(z, [orig.batch, 1, enc.hidden]),
      );
      return {
        loss: decoder.loss(hidden, positions, targets),
        tokens: noisy.batch * noisy.seqLen + orig.batch * (T - 1),
      };
    },
  };
}

export function tsdaeObjective(enc: SentenceEncoder, cfg: TrainConfig): ObjectiveImpl {
  const p = tsdaePretext(enc, cfg);
  return {
    name: 'tsdae',
    heads: { decoder: p.decoder },
    step(sentences, rng) {
      const { loss, tokens } = p.loss(sentences, rng);
      return { loss, terms: {}, tokens };
    },
  };
}
