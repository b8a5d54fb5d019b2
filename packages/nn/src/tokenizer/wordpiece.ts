// Greedy longest-match-first WordPiece, as in Hugging Face WordpieceTokenizer.

export const CONTINUATION_PREFIX = '##';
export const MAX_INPUT_CHARS_PER_WORD = 100;

export interface WordPieceOptions {
  unkToken: string;
  /** Longer words (in code points) become a single unknown token. */
  maxInputCharsPerWord?: number;
  /** Marks a piece that continues a word (default '##'; tokenizer.json's continuing_subword_prefix). */
  prefix?: string;
}

/**
 * Splits one pre-tokenised word into vocabulary pieces. If any position has no match the whole
 * word becomes `unkToken`, never a partial split.
 */
export function wordPieceTokenize(
  word: string,
  vocab: ReadonlyMap<string, number>,
  options: WordPieceOptions,
): string[] {
  const maxChars = options.maxInputCharsPerWord ?? MAX_INPUT_CHARS_PER_WORD;
  const prefix = options.prefix ?? CONTINUATION_PREFIX;
  // UTF-16 offsets of code-point boundaries, so surrogate pairs are never cut.
  const bounds: number[] = [0];
  for (const ch of word) bounds.push(bounds[bounds.length - 1]! + ch.length);
  const nChars = bounds.length - 1;
  if (nChars > maxChars) return [options.unkToken];

  const pieces: string[] = [];
  let start = 0;
  while (start < nChars) {
    let end = nChars;
    let match: string | undefined;
    while (start < end) {
      const sub = word.slice(bounds[start], bounds[end]);
      const candidate = start > 0 ? prefix + sub : sub;
      if (vocab.has(candidate)) {
        match = candidate;
        break;
      }
      end--;
    }
    if (match === undefined) return [options.unkToken];
    pieces.push(match);
    start = end;
  }
  return pieces;
}
