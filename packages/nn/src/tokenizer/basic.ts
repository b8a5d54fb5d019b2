// BERT "basic" pre-tokenisation, ported from Hugging Face BasicTokenizer:
// clean -> isolate CJK -> NFC -> split on whitespace -> lowercase and/or strip accents -> split punctuation.

/** Hugging Face BasicTokenizer's switches; the defaults are bert-base-uncased's. */
export interface BasicTokenizeOptions {
  /** do_lower_case (default true). */
  lowercase?: boolean;
  /** strip_accents; unset follows `lowercase`, as HF's strip_accents=None does. */
  stripAccents?: boolean;
  /** tokenize_chinese_chars (default true): each CJK ideograph becomes its own word. */
  tokenizeChineseChars?: boolean;
}

const CONTROL = /^\p{C}$/u;
const SPACE_SEPARATOR = /^\p{Zs}$/u;
const PUNCTUATION = /^\p{P}$/u;
const NONSPACING_MARK = /\p{Mn}/gu;
// Python's str.split() whitespace, restricted to what survives cleanText (Zs, Zl, Zp, space).
const WHITESPACE_RUN = /[\s\u2028\u2029]+/u;

export function isWhitespace(ch: string): boolean {
  if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') return true;
  return ch.charCodeAt(0) >= 0x80 && SPACE_SEPARATOR.test(ch);
}

export function isControl(ch: string): boolean {
  // HF treats \t \n \r as whitespace, not control.
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return CONTROL.test(ch);
}

export function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  // ASCII symbols such as $ + ^ ` are not Unicode P* but BERT splits them anyway.
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
    return true;
  }
  return cp >= 0x80 && PUNCTUATION.test(ch);
}

/** CJK Unified Ideographs blocks as listed by BERT (not Hangul, Hiragana or Katakana). */
export function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Drops NUL, U+FFFD and control characters; maps every whitespace character to a space. */
export function cleanText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
    out += isWhitespace(ch) ? ' ' : ch;
  }
  return out;
}

/** Surrounds each CJK ideograph with spaces so each becomes its own word. */
export function isolateCjk(text: string): string {
  let out = '';
  for (const ch of text) out += isCjk(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
  return out;
}

export function stripAccents(text: string): string {
  return text.normalize('NFD').replace(NONSPACING_MARK, '');
}

export function splitWhitespace(text: string): string[] {
  return text.split(WHITESPACE_RUN).filter((t) => t.length > 0);
}

export function splitPunctuation(word: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const ch of word) {
    if (isPunctuation(ch)) {
      if (current) out.push(current);
      out.push(ch);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Words (before WordPiece) of `text`, as Hugging Face's BasicTokenizer with these options produces them. */
export function basicTokenize(text: string, options: BasicTokenizeOptions = {}): string[] {
  const lower = options.lowercase ?? true;
  const strip = options.stripAccents ?? lower;
  const cleaned = cleanText(text);
  const normalized = (options.tokenizeChineseChars === false ? cleaned : isolateCjk(cleaned)).normalize('NFC');
  const out: string[] = [];
  for (const word of splitWhitespace(normalized)) {
    const w = lower ? word.toLowerCase() : word;
    // Stripping accents can leave an empty word (a lone combining mark); splitPunctuation drops it.
    out.push(...splitPunctuation(strip ? stripAccents(w) : w));
  }
  return out;
}
