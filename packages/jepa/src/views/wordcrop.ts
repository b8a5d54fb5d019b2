// WordCrop view: a contiguous span of a sentence's whitespace-separated words. For n >= 2 words,
// start ~ U{0..n-1} then length ~ U{1..n-start} (both drawn from the given Rng in that order, so
// a seed fixes every crop); sentences with fewer than 2 words are returned unchanged.
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

export interface ViewOptions {
  rng: Rng;
  /** false (default): a = the full sentence, b = a crop. true: a and b are independent crops. */
  cropBoth?: boolean;
}

export interface Views {
  a: string[];
  b: string[];
}

/** Two views per sentence for the JEPA context/target encoders. */
export function makeViews(sentences: readonly string[], { rng, cropBoth = false }: ViewOptions): Views {
  const a: string[] = [];
  const b: string[] = [];
  for (const s of sentences) {
    a.push(cropBoth ? wordCrop(s, rng) : s);
    b.push(wordCrop(s, rng));
  }
  return { a, b };
}
