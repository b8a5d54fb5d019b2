// What every tokenizer here shares once it has piece ids: the encoding types, truncation that keeps
// the special tokens around the text (as Hugging Face's), and right-padding a batch into row-major
// [batch, seqLen].

export interface BertEncodeOptions {
  /** Truncate to this many ids (special tokens included). */
  maxLength?: number;
  addSpecialTokens?: boolean;
}

export interface BertEncoding {
  ids: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

export interface BertEncodeBatchOptions {
  maxLength?: number;
  /** 'longest': pad to the longest row; 'max_length': pad every row to maxLength. */
  padding?: 'longest' | 'max_length';
  truncation?: boolean;
  addSpecialTokens?: boolean;
}

/** Row-major [batch, seqLen] arrays, right-padded with [PAD] and mask 0. */
export interface BertBatchEncoding {
  ids: Int32Array;
  attentionMask: Int32Array;
  tokenTypeIds: Int32Array;
  batch: number;
  seqLen: number;
}

/** `maxLength` checked against what the special tokens need; errors start with `owner`. */
export function checkMaxLength(owner: string, maxLength: number, addSpecial: boolean): number {
  const min = addSpecial ? 2 : 1;
  if (!Number.isInteger(maxLength) || maxLength < min) {
    throw new RangeError(`${owner}: maxLength must be an integer >= ${min}, got ${maxLength}`);
  }
  return maxLength;
}

/** One sentence's piece ids truncated to `maxLength` (trailing pieces dropped, possibly mid-word)
 *  and wrapped in `cls … sep` unless `addSpecialTokens` is false. */
export function withSpecialTokens(
  owner: string,
  pieceIds: number[],
  options: BertEncodeOptions,
  clsId: number,
  sepId: number,
): BertEncoding {
  const addSpecial = options.addSpecialTokens ?? true;
  let pieces = pieceIds;
  if (options.maxLength !== undefined) {
    const budget = checkMaxLength(owner, options.maxLength, addSpecial) - (addSpecial ? 2 : 0);
    if (pieces.length > budget) pieces = pieces.slice(0, budget);
  }
  const ids = addSpecial ? [clsId, ...pieces, sepId] : pieces;
  return { ids, attentionMask: ids.map(() => 1), tokenTypeIds: ids.map(() => 0) };
}

/** Each text through `encode`, right-padded with `padId` (mask 0) to the longest row or `maxLength`. */
export function padBatch(
  owner: string,
  texts: readonly string[],
  options: BertEncodeBatchOptions,
  encode: (text: string, options: BertEncodeOptions) => BertEncoding,
  padId: number,
): BertBatchEncoding {
  const maxLength = checkMaxLength(owner, options.maxLength ?? 128, options.addSpecialTokens ?? true);
  const padding = options.padding ?? 'longest';
  const truncation = options.truncation ?? true;
  const rows = texts.map(
    (t) => encode(t, { addSpecialTokens: options.addSpecialTokens, maxLength: truncation ? maxLength : undefined }).ids,
  );
  const longest = rows.reduce((m, r) => Math.max(m, r.length), 0);
  if (padding === 'max_length' && longest > maxLength) {
    throw new Error(`${owner}.encodeBatch: a row has ${longest} ids > maxLength ${maxLength} and truncation is off`);
  }
  const seqLen = padding === 'max_length' ? maxLength : longest;
  const batch = rows.length;
  const ids = new Int32Array(batch * seqLen).fill(padId);
  const attentionMask = new Int32Array(batch * seqLen);
  rows.forEach((row, b) => {
    ids.set(row, b * seqLen);
    attentionMask.fill(1, b * seqLen, b * seqLen + row.length);
  });
  return { ids, attentionMask, tokenTypeIds: new Int32Array(batch * seqLen), batch, seqLen };
}
