// JEPA's views under `--views`: for each sentence, one kind drawn from the list with the step's Rng
// (a function of seed and step, so a resumed run draws what the uninterrupted one drew). `crop` is
// today's crop pair (views/wordcrop.ts); every other kind pairs the sentence with its
// transformation (views/transforms.ts). A swap the sentence has no word for falls back to the crop,
// and the kind recorded is the one applied: `--aux transform` predicts it.
import type { Rng } from '../util/rng.ts';
import { VIEW_KINDS, type ViewKind } from './kinds.ts';
import { maskWords, noiseWords, swapWords } from './transforms.ts';
import { cropPair, makeViews, type ViewOptions, type Views } from './wordcrop.ts';
import type { Relations, RelationKind } from './wordnet.ts';

const isRelation = (k: ViewKind): k is RelationKind =>
  k === 'synonym' || k === 'hypernym' || k === 'hyponym' || k === 'antonym';

/** Does a list of view kinds swap words (and so need the WordNet relations)? */
export const needsRelations = (kinds: readonly string[]): boolean => kinds.some((k) => isRelation(k as ViewKind));

export interface MixedViewOptions extends ViewOptions {
  kinds: readonly ViewKind[];
  /** Share of the candidate words a swap, mask or noise view changes (at least one when > 0). */
  rate: number;
  relations?: Relations;
}

/** Views with each sentence's kind; `labels[i]` is the index in VIEW_KINDS of what made b[i]. */
export interface MixedViews extends Views {
  labels: Int32Array;
}

export function makeMixedViews(sentences: readonly string[], opts: MixedViewOptions): MixedViews {
  const { kinds, rng } = opts;
  if (kinds.length === 0) throw new Error('makeMixedViews: needs at least one view kind, got none');
  if (kinds.length === 1 && kinds[0] === 'crop') {
    // Today's views, draw for draw: the default recipe is unchanged.
    return { ...makeViews(sentences, opts), labels: new Int32Array(sentences.length) };
  }
  if (needsRelations(kinds) && !opts.relations)
    throw new Error(`makeMixedViews: views ${kinds.join(',')} swap words, but no relations were given`);
  const a: string[] = [];
  const b: string[] = [];
  const labels = new Int32Array(sentences.length);
  sentences.forEach((s, i) => {
    const drawn = kinds.length === 1 ? kinds[0] : kinds[rng.uniformInt(0, kinds.length - 1)];
    const [x, y, kind] = transformPair(s, drawn, opts, rng);
    a.push(x);
    b.push(y);
    labels[i] = VIEW_KINDS.indexOf(kind);
  });
  return { a, b, labels };
}

function transformPair(s: string, kind: ViewKind, opts: MixedViewOptions, rng: Rng): [string, string, ViewKind] {
  if (kind === 'mask') return [s, maskWords(s, opts.rate, rng), kind];
  if (kind === 'noise') return [s, noiseWords(s, opts.rate, rng), kind];
  if (isRelation(kind)) {
    const swapped = swapWords(s, opts.relations!, kind, opts.rate, rng);
    if (swapped !== null) return [s, swapped, kind];
  }
  return [...cropPair(s, opts), 'crop'];
}
