import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, basicTokenize, parseVocab } from '../src/tokenizer/index.ts';

const tok = BertTokenizer.default();
const ids = (tokens: string[]): number[] => tokens.map((t) => tok.tokenToId(t));

/** Deterministic PRNG (mulberry32) so property failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('vocabulary', () => {
  it('is bert-base-uncased with the standard special ids', () => {
    expect(tok.vocabSize).toBe(30522);
    expect([tok.padId, tok.unkId, tok.clsId, tok.sepId, tok.maskId]).toEqual([0, 100, 101, 102, 103]);
    expect(tok.idToToken(101)).toBe('[CLS]');
    expect(tok.idToToken(1)).toBe('[unused0]');
    expect(tok.tokenToId('hello')).toBe(7592);
    expect(tok.tokenToId('not-a-token')).toBe(100);
    expect(() => tok.idToToken(30522)).toThrow(RangeError);
    expect(() => tok.idToToken(-1)).toThrow(RangeError);
  });

  it('maps id to line number - 1 and default() is cached', () => {
    const lines = readFileSync(new URL('../assets/vocab.txt', import.meta.url), 'utf8').split('\n');
    expect(tok.idToToken(7592)).toBe(lines[7592]);
    expect(BertTokenizer.default()).toBe(tok);
  });

  it('parseVocab ignores the final newline and CRs', () => {
    expect(parseVocab('a\r\nb\n')).toEqual(['a', 'b']);
    expect(parseVocab('a\n\nb')).toEqual(['a', '', 'b']);
  });

  it('rejects a vocabulary without the special tokens', () => {
    expect(() => BertTokenizer.fromVocabText('[PAD]\n[UNK]\nhello\n')).toThrow(/\[CLS\]/);
  });
});

describe('tokenize', () => {
  it('splits words and punctuation', () => {
    expect(tok.tokenize('Hello, world!')).toEqual(['hello', ',', 'world', '!']);
    expect(tok.tokenize("don't-stop...now$5")).toEqual(['don', "'", 't', '-', 'stop', '.', '.', '.', 'now', '$', '5']);
    // Unicode P* categories split too.
    expect(tok.tokenize('«hi»—ok ¿qué?')).toEqual(['«', 'hi', '»', '—', 'ok', '¿', 'que', '?']);
  });

  it('does greedy longest-match-first WordPiece', () => {
    // Greedy picks the longest vocab prefix at each step: "una" (no "unaf".."unaffable"), then "##ffa"
    // (no "##ffab".."##ffable"), then "##ble". (BERT's README example "un ##aff ##able" used another vocab.)
    for (const absent of [
      'unaf',
      'unaff',
      'unaffa',
      'unaffab',
      'unaffabl',
      'unaffable',
      '##ffab',
      '##ffabl',
      '##ffable',
    ]) {
      expect(tok.hasToken(absent)).toBe(false);
    }
    for (const present of ['una', '##ffa', '##ble', '##ff', '##able']) expect(tok.hasToken(present)).toBe(true);
    expect(tok.tokenize('unaffable')).toEqual(['una', '##ffa', '##ble']);
  });

  it('matches Hugging Face on its own WordPiece test vocabulary', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jepa-vocab-'));
    const path = join(dir, 'vocab.txt');
    const vocab = [
      '[PAD]',
      '[UNK]',
      '[CLS]',
      '[SEP]',
      '[MASK]',
      'want',
      '##want',
      '##ed',
      'wa',
      'un',
      'runn',
      '##ing',
      ',',
      'low',
      'lowest',
    ];
    writeFileSync(path, `${vocab.join('\n')}\n`);
    const small = BertTokenizer.fromVocabFile(path);
    expect(small.tokenize('')).toEqual([]);
    expect(small.tokenize('unwanted running')).toEqual(['un', '##want', '##ed', 'runn', '##ing']);
    // 'X' lowercases to 'x'; no '##x' piece, so the whole word is unknown.
    expect(small.tokenize('unwantedX running')).toEqual(['[UNK]', 'runn', '##ing']);
    expect(small.tokenize('UNwanted, running!')).toEqual(['un', '##want', '##ed', ',', 'runn', '##ing', '[UNK]']);
  });

  it('lowercases and strips accents, composed or decomposed', () => {
    expect(tok.tokenize('Héllo naïve café')).toEqual(['hello', 'naive', 'cafe']);
    expect(tok.tokenize('cafe\u0301 HÉLLO')).toEqual(['cafe', 'hello']);
    expect(basicTokenize('ΟΔΟΣ Ünïcödé')).toEqual(['οδος', 'unicode']);
  });

  it('makes each CJK ideograph a word', () => {
    expect(tok.hasToken('中')).toBe(true);
    expect(tok.hasToken('文')).toBe(true);
    expect(tok.tokenize('中文')).toEqual(['中', '文']);
    expect(tok.encode('中文').ids).toEqual([101, 1746, 1861, 102]);
    expect(tok.tokenize('abc中def')).toEqual(['abc', '中', 'def']);
    // U+4E02 is an ideograph missing from the vocab: only it becomes [UNK].
    expect(tok.hasToken('丂')).toBe(false);
    expect(tok.tokenize('丂中')).toEqual(['[UNK]', '中']);
    // Hangul is not in BERT's CJK ranges: stays one word, decomposed to jamo by accent stripping.
    expect(tok.tokenize('한')).toEqual(['ᄒ', '##ᅡ', '##ᆫ']);
  });

  it('cleans control characters and normalises whitespace', () => {
    expect(tok.tokenize('\u0000hel\u200blo\ufffd a\u00a0b\tc\nd\r\u3000e')).toEqual(['hello', 'a', 'b', 'c', 'd', 'e']);
    expect(tok.tokenize('  \t\n ')).toEqual([]);
  });

  it('maps unknown words to a single [UNK]', () => {
    expect(tok.hasToken('##☃')).toBe(false);
    expect(tok.tokenize('hello☃ world')).toEqual(['[UNK]', 'world']);
    expect(tok.tokenize('😀 x')).toEqual(['[UNK]', 'x']);
  });

  it('maps words over 100 characters to [UNK]', () => {
    const w100 = 'a'.repeat(100);
    expect(tok.tokenize(w100)).not.toContain('[UNK]');
    expect(tok.tokenize(`${w100}a`)).toEqual(['[UNK]']);
    // Length counts code points, not UTF-16 units, and is checked after punctuation splitting.
    expect(tok.tokenize(`${'b'.repeat(60)}.${'c'.repeat(60)}`)).not.toContain('[UNK]');
  });

  it('keeps literal special tokens whole (case-sensitive)', () => {
    expect(tok.tokenize('hello [MASK] world[SEP]')).toEqual(['hello', '[MASK]', 'world', '[SEP]']);
    expect(tok.tokenize('[mask]')).toEqual(['[', 'mask', ']']);
  });

  it('property: ASCII words detokenise to the lowercased word', () => {
    const rand = rng(1234);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (let n = 0; n < 3000; n++) {
      const len = 1 + Math.floor(rand() * 24);
      let word = '';
      for (let i = 0; i < len; i++) word += alphabet[Math.floor(rand() * alphabet.length)];
      const pieces = tok.tokenize(word);
      expect(pieces).not.toContain('[UNK]');
      expect(pieces[0]!.startsWith('##')).toBe(false);
      expect(pieces.slice(1).every((p) => p.startsWith('##'))).toBe(true);
      expect(pieces.map((p) => p.replace(/^##/, '')).join('')).toBe(word.toLowerCase());
    }
  });

  it('property: printable ASCII text keeps every non-space character', () => {
    const rand = rng(99);
    for (let n = 0; n < 500; n++) {
      let text = '';
      for (let i = 0; i < 40; i++) text += String.fromCharCode(32 + Math.floor(rand() * 95));
      const pieces = tok.tokenize(text);
      expect(pieces).not.toContain('[UNK]');
      expect(pieces.map((p) => (p.length > 2 ? p.replace(/^##/, '') : p)).join('')).toBe(
        text.toLowerCase().replace(/ /g, ''),
      );
    }
  });
});

describe('encode', () => {
  it('wraps pieces in [CLS] ... [SEP]', () => {
    const e = tok.encode('Hello, world!');
    expect(e.ids).toEqual([101, 7592, 1010, 2088, 999, 102]);
    expect(e.attentionMask).toEqual([1, 1, 1, 1, 1, 1]);
    expect(e.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0]);
    expect(tok.encode('Hello, world!', { addSpecialTokens: false }).ids).toEqual([7592, 1010, 2088, 999]);
  });

  it('encodes the empty string to [CLS][SEP]', () => {
    expect(tok.encode('').ids).toEqual([101, 102]);
    expect(tok.encode('', { addSpecialTokens: false }).ids).toEqual([]);
  });

  it('truncates pieces, keeping [CLS] and [SEP], even inside a word', () => {
    const text = 'the quick brown fox jumps over the lazy dog '.repeat(10);
    const e = tok.encode(text, { maxLength: 8 });
    expect(e.ids).toHaveLength(8);
    expect(e.ids[0]).toBe(101);
    expect(e.ids[7]).toBe(102);
    expect(e.ids.slice(1, 7)).toEqual(ids(['the', 'quick', 'brown', 'fox', 'jumps', 'over']));
    expect(tok.encode('unaffable unaffable', { maxLength: 4 }).ids).toEqual(ids(['[CLS]', 'una', '##ffa', '[SEP]']));
    expect(tok.encode('hi', { maxLength: 2 }).ids).toEqual([101, 102]);
    expect(tok.encode('a b c', { maxLength: 2, addSpecialTokens: false }).ids).toEqual(ids(['a', 'b']));
    expect(tok.encode('short', { maxLength: 16 }).ids).toHaveLength(3);
    expect(() => tok.encode('x', { maxLength: 1 })).toThrow(RangeError);
  });
});

describe('encodeBatch', () => {
  it('pads to the longest row with [PAD] and mask 0', () => {
    const b = tok.encodeBatch(['Hello, world!', 'hi', '']);
    expect(b.batch).toBe(3);
    expect(b.seqLen).toBe(6);
    expect(Array.from(b.ids)).toEqual([
      ...[101, 7592, 1010, 2088, 999, 102],
      ...[101, tok.tokenToId('hi'), 102, 0, 0, 0],
      ...[101, 102, 0, 0, 0, 0],
    ]);
    expect(Array.from(b.attentionMask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
    expect(Array.from(b.tokenTypeIds)).toEqual(new Array(18).fill(0));
    expect(b.ids).toBeInstanceOf(Int32Array);
  });

  it('pads to maxLength and truncates long rows', () => {
    const long = 'word '.repeat(50);
    const b = tok.encodeBatch(['hi', long], { padding: 'max_length', maxLength: 10 });
    expect(b.seqLen).toBe(10);
    expect(b.ids).toHaveLength(20);
    expect(Array.from(b.attentionMask.subarray(0, 10))).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(b.attentionMask.subarray(10))).toEqual(new Array(10).fill(1));
    expect(b.ids[19]).toBe(102);
    expect(tok.encodeBatch([long]).seqLen).toBe(52);
    expect(tok.encodeBatch([long + long + long]).seqLen).toBe(128);
  });

  it('without truncation, grows to the longest row or refuses max_length', () => {
    const long = 'word '.repeat(20);
    expect(tok.encodeBatch([long], { maxLength: 8, truncation: false }).seqLen).toBe(22);
    expect(() => tok.encodeBatch([long], { maxLength: 8, truncation: false, padding: 'max_length' })).toThrow(
      /maxLength/,
    );
  });

  it('handles an empty batch', () => {
    const b = tok.encodeBatch([]);
    expect([b.batch, b.seqLen, b.ids.length]).toEqual([0, 0, 0]);
  });
});

describe('decode', () => {
  it('merges continuations and tidies punctuation', () => {
    expect(tok.decode(tok.encode('Hello, world!').ids)).toBe('[CLS] hello, world! [SEP]');
    expect(tok.decode(tok.encode('Hello, world!').ids, { skipSpecialTokens: true })).toBe('hello, world!');
    expect(tok.decode(tok.encode("I can't believe unaffable").ids, { skipSpecialTokens: true })).toBe(
      "i can't believe unaffable",
    );
    expect(tok.decode(tok.encodeBatch(['hi', 'Hello, world!']).ids.subarray(0, 6), { skipSpecialTokens: true })).toBe(
      'hi',
    );
    expect(() => tok.decode([40000])).toThrow(RangeError);
  });
});
