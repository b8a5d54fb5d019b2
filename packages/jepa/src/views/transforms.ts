// Language transformations of a sentence, the seed's pretext views: swap words for a WordNet
// relation (synonym, hypernym, hyponym, antonym), mask words, or TSDAE-style noise (delete words,
// then swap two neighbours). Each picks the words it changes with the given Rng: every candidate
// with probability `rate`, and at least one when rate > 0, so the view differs from the sentence;
// rate 0 is the identity.
import { MASK_TOKEN } from '@jepa/nn';
import { deleteWords } from '../objectives/tsdae.ts';
import type { Rng } from '../util/rng.ts';
import { splitWords } from './wordcrop.ts';
import type { Relations, RelationKind } from './wordnet.ts';

/** Indices of `n` candidates to change: each with probability `rate`, one at random if none was. */
export function pickCandidates(n: number, rate: number, rng: Rng): number[] {
  if (n === 0 || rate <= 0) return [];
  const picked = [...Array(n).keys()].filter(() => rng.float() < rate);
  return picked.length ? picked : [rng.uniformInt(0, n - 1)];
}

// A whitespace word as punctuation around letters ("Ubuntu?" -> "", "Ubuntu", "?"); the letters are looked up.
const WORD = /^([^A-Za-z]*)([A-Za-z]+)([^A-Za-z]*)$/;

/**
 * Replace words of `sentence` that have a `kind` relation by a related word (lowercase, its
 * punctuation kept), each drawn uniformly from the relation's list; null when no word has one.
 */
export function swapWords(
  sentence: string,
  relations: Relations,
  kind: RelationKind,
  rate: number,
  rng: Rng,
): string | null {
  const table = relations[kind];
  const words = splitWords(sentence);
  const candidates = [...words.keys()].filter((i) => {
    const m = WORD.exec(words[i]);
    return m !== null && table.has(m[2].toLowerCase());
  });
  if (candidates.length === 0) return null;
  for (const c of pickCandidates(candidates.length, rate, rng)) {
    const i = candidates[c];
    const [, pre, core, post] = WORD.exec(words[i])!;
    const related = table.get(core.toLowerCase())!;
    words[i] = pre + related[rng.uniformInt(0, related.length - 1)] + post;
  }
  return words.join(' ');
}

/** Words of `sentence` replaced by [MASK] (the tokenizer keeps the literal whole, as BERT's id). */
export function maskWords(sentence: string, rate: number, rng: Rng): string {
  const words = splitWords(sentence);
  for (const i of pickCandidates(words.length, rate, rng)) words[i] = MASK_TOKEN;
  return words.length ? words.join(' ') : sentence;
}

/** TSDAE's noise (objectives/tsdae.ts: each word deleted with probability `rate`), then one random
 *  pair of neighbours swapped, so a short sentence changes too. */
export function noiseWords(sentence: string, rate: number, rng: Rng): string {
  if (rate <= 0) return sentence;
  const words = splitWords(deleteWords(sentence, rate, rng));
  if (words.length >= 2) {
    const i = rng.uniformInt(0, words.length - 2);
    [words[i], words[i + 1]] = [words[i + 1], words[i]];
  }
  return words.join(' ');
}
