// WordCrop view: a contiguous span of a sentence's whitespace-separated words. For n >= 2 words,
// start ~ U{0..n-1} then length ~ U{1..n-start} (both drawn from the given Rng in that order, so
// a seed fixes every crop); sentences with fewer than 2 words are returned unchanged. The split
// view pairs a crop with the rest of the sentence: disjoint views, so the two agree only through
// what co-occurs, not through the words they share.
import type { Rng } from '../util/rng.ts';

export interface CropSpan {
  start: number;
  length: number;
}

/** Draw a crop span over n >= 2 words. */
export function cropSpan(n: number, rng: Rng): CropSpan {
  if (!Number.isInteger(n) || n < 2) throw new Error(`cropSpan: need an integer n >= 2, got ${n}`);
  const start = rng.uniformInt(0, n - 1);
  const length = rng.uniformInt(1, n - start);
  return { start, length };
}

export const splitWords = (sentence: string): string[] => sentence.split(/\s+/).filter((w) => w !== '');

/** One random contiguous word span of `sentence`, words re-joined by single spaces. */
export function wordCrop(sentence: string, rng: Rng): string {
  const words = splitWords(sentence);
  if (words.length < 2) return sentence; // no rng draw: nothing to crop
  const { start, length } = cropSpan(words.length, rng);
  return words.slice(start, start + length).join(' ');
}

/**
 * Split n >= 2 words into a crop and the rest, both non-empty: a crop span as cropSpan, except
 * that a span covering every word becomes a prefix of U{1..n-1} words (one more draw).
 */
export function splitSpan(n: number, rng: Rng): CropSpan {
  const span = cropSpan(n, rng);
  return span.length < n ? span : { start: 0, length: rng.uniformInt(1, n - 1) };
}

/** A random crop of `sentence` and the words outside it, each re-joined by single spaces. */
export function wordSplit(sentence: string, rng: Rng): { crop: string; rest: string } {
  const words = splitWords(sentence);
  if (words.length < 2) return { crop: sentence, rest: sentence }; // no rng draw: nothing to split
  const { start, length } = splitSpan(words.length, rng);
  return {
    crop: words.slice(start, start + length).join(' '),
    rest: [...words.slice(0, start), ...words.slice(start + length)].join(' '),
  };
}

export interface ViewOptions {
  rng: Rng;
  /** false (default): a = the full sentence, b = a crop. true: a and b are independent crops. */
  cropBoth?: boolean;
  /** a = the words outside the crop, b = the crop (exclusive with cropBoth). */
  cropRest?: boolean;
}

export interface Views {
  a: string[];
  b: string[];
}

/** The two crop views of one sentence: [a, b] as makeViews makes them. */
export function cropPair(s: string, { rng, cropBoth = false, cropRest = false }: ViewOptions): [string, string] {
  if (cropRest) {
    const { crop, rest } = wordSplit(s, rng);
    return [rest, crop];
  }
  const a = cropBoth ? wordCrop(s, rng) : s;
  return [a, wordCrop(s, rng)];
}

/** Two views per sentence for the JEPA context/target encoders. */
export function makeViews(sentences: readonly string[], opts: ViewOptions): Views {
  if (opts.cropBoth && opts.cropRest) throw new Error('makeViews: cropBoth and cropRest exclude each other, got both');
  const a: string[] = [];
  const b: string[] = [];
  for (const s of sentences) {
    const [x, y] = cropPair(s, opts);
    a.push(x);
    b.push(y);
  }
  return { a, b };
}
