// Cased and accent options of BertTokenizer (Hugging Face BasicTokenizer's do_lower_case /
// strip_accents / tokenize_chinese_chars), and Hugging Face's tokenizer files: tokenizer_config.json
// and tokenizer.json read, tokenizer_config.json and special_tokens_map.json written.
import { describe, expect, it } from 'vitest';
import {
  BertTokenizer,
  basicTokenize,
  parseTokenizerJson,
  specialTokensMap,
  tokenizerConfig,
  tokenizerFromJson,
  tokenizerOptionsFromConfig,
} from '../src/tokenizer/index.ts';

const VOCAB = [
  '[PAD]',
  '[UNK]',
  '[CLS]',
  '[SEP]',
  '[MASK]',
  'Hello',
  'hello',
  '##s',
  'Héllo',
  'World',
  'world',
  ',',
  '!',
  'ca',
  '##fe',
  '##fé',
  'Ca',
  '中',
  'abc',
];

/** tokenizer.json as the `tokenizers` library saves a BertWordPieceTokenizer (field order and all). */
function tokenizerJson(normalizer: Record<string, unknown>, vocab: readonly string[] = VOCAB, prefix = '##') {
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((t) => ({
      id: vocab.indexOf(t),
      content: t,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [],
      special_tokens: {},
    },
    decoder: { type: 'WordPiece', prefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: prefix,
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}
const bertNormalizer = (lowercase: boolean, strip_accents: boolean | null = null) => ({
  type: 'BertNormalizer',
  clean_text: true,
  handle_chinese_chars: true,
  strip_accents,
  lowercase,
});

describe('basicTokenize options (HF BasicTokenizer)', () => {
  const text = 'Héllo, Wörld! ÇA';
  it('uncased by default: lowercase and strip accents', () => {
    expect(basicTokenize(text)).toEqual(['hello', ',', 'world', '!', 'ca']);
  });
  it('cased: neither (strip_accents None follows do_lower_case)', () => {
    expect(basicTokenize(text, { lowercase: false })).toEqual(['Héllo', ',', 'Wörld', '!', 'ÇA']);
  });
  it('cased with strip_accents=True; uncased with strip_accents=False', () => {
    expect(basicTokenize(text, { lowercase: false, stripAccents: true })).toEqual(['Hello', ',', 'World', '!', 'CA']);
    expect(basicTokenize(text, { lowercase: true, stripAccents: false })).toEqual(['héllo', ',', 'wörld', '!', 'ça']);
  });
  it('tokenize_chinese_chars', () => {
    expect(basicTokenize('中文abc')).toEqual(['中', '文', 'abc']);
    expect(basicTokenize('中文abc', { tokenizeChineseChars: false })).toEqual(['中文abc']);
  });
});

describe('BertTokenizer options', () => {
  it('a cased vocabulary keeps case and accents', () => {
    const cased = new BertTokenizer(VOCAB, { lowercase: false });
    expect(cased.tokenize('Hellos Héllo world World Cafe')).toEqual([
      'Hello',
      '##s',
      'Héllo',
      'world',
      'World',
      'Ca',
      '##fe',
    ]);
    expect(cased.encode('Héllo!').ids).toEqual([2, 8, 12, 3]);
    expect(cased.options).toEqual({
      lowercase: false,
      stripAccents: false,
      tokenizeChineseChars: true,
      continuationPrefix: '##',
      maxInputCharsPerWord: 100,
    });
  });
  it('the default (uncased) is unchanged: lowercase + strip accents', () => {
    const tok = new BertTokenizer(VOCAB);
    expect(tok.tokenize('Hellos Héllo World Café')).toEqual(['hello', '##s', 'hello', 'world', 'ca', '##fe']);
    expect(tok.options.lowercase).toBe(true);
    expect(tok.options.stripAccents).toBe(true);
  });
  it('uncased keeping accents', () => {
    const tok = new BertTokenizer(VOCAB, { stripAccents: false });
    expect(tok.tokenize('Café')).toEqual(['ca', '##fé']);
  });
  it('vocabText round-trips', () => {
    const tok = new BertTokenizer(VOCAB);
    expect(BertTokenizer.fromVocabText(tok.vocabText()).tokenize('hello world')).toEqual(['hello', 'world']);
    expect(tok.vocabText()).toBe(`${VOCAB.join('\n')}\n`);
  });
});

describe('tokenizer_config.json', () => {
  it('reads do_lower_case, strip_accents, tokenize_chinese_chars', () => {
    expect(tokenizerOptionsFromConfig({ do_lower_case: false, tokenizer_class: 'BertTokenizer' })).toEqual({
      lowercase: false,
    });
    expect(
      tokenizerOptionsFromConfig({ do_lower_case: true, strip_accents: false, tokenize_chinese_chars: false }),
    ).toEqual({ lowercase: true, stripAccents: false, tokenizeChineseChars: false });
    expect(tokenizerOptionsFromConfig({ strip_accents: null })).toEqual({});
  });
  it('errors name the file and field', () => {
    expect(() => tokenizerOptionsFromConfig({ do_lower_case: 'yes' }, 'm/tokenizer_config.json')).toThrow(
      'm/tokenizer_config.json: do_lower_case must be true, false or null, got "yes"',
    );
    expect(() => tokenizerOptionsFromConfig({ tokenizer_class: 'RobertaTokenizer' })).toThrow(
      /tokenizer_config\.json: tokenizer_class must be a BERT WordPiece tokenizer .*got "RobertaTokenizer"/,
    );
    expect(() => tokenizerOptionsFromConfig([])).toThrow(
      'tokenizer_config.json: (top level) must be an object, got []',
    );
  });
  it('what we write reads back to the same settings, with HF fields', () => {
    for (const opts of [{}, { lowercase: false }, { lowercase: true, stripAccents: false }]) {
      const tok = new BertTokenizer(VOCAB, opts);
      const c = tokenizerConfig(tok, 32);
      const back = new BertTokenizer(VOCAB, tokenizerOptionsFromConfig(c));
      expect(back.options).toEqual(tok.options);
    }
    const c = tokenizerConfig(new BertTokenizer(VOCAB), 32);
    expect(c).toMatchObject({
      do_lower_case: true,
      strip_accents: null,
      tokenize_chinese_chars: true,
      model_max_length: 32,
      tokenizer_class: 'BertTokenizer',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    });
    expect(Object.keys(c.added_tokens_decoder as object)).toEqual(['0', '1', '2', '3', '4']);
    expect((c.added_tokens_decoder as Record<string, unknown>)['2']).toEqual({
      content: '[CLS]',
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
      special: true,
    });
    expect(specialTokensMap()).toEqual({
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
    });
  });
});

describe('tokenizer.json', () => {
  const texts = ['Hellos Héllo, World!', 'Café world 中abc', 'hello [MASK] world'];
  it('a cased WordPiece tokenizer.json tokenizes as the cased vocab.txt tokenizer', () => {
    const fromJson = tokenizerFromJson(tokenizerJson(bertNormalizer(false)));
    const fromVocab = new BertTokenizer(VOCAB, { lowercase: false });
    for (const t of texts) expect(fromJson.encode(t).ids).toEqual(fromVocab.encode(t).ids);
    expect(fromJson.tokenize('Héllo World')).toEqual(['Héllo', 'World']);
  });
  it('uncased, and uncased keeping accents (strip_accents false)', () => {
    expect(tokenizerFromJson(tokenizerJson(bertNormalizer(true))).tokenize('Héllo Café')).toEqual([
      'hello',
      'ca',
      '##fe',
    ]);
    expect(tokenizerFromJson(tokenizerJson(bertNormalizer(true, false))).tokenize('Café')).toEqual(['ca', '##fé']);
  });
  it('a Sequence normalizer of Lowercase / NFD / StripAccents', () => {
    const seq = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'Lowercase' }, { type: 'StripAccents' }] };
    const { options } = parseTokenizerJson(tokenizerJson(seq));
    expect(options).toMatchObject({ lowercase: true, stripAccents: true, tokenizeChineseChars: false });
  });
  it('continuing_subword_prefix and added tokens beyond the WordPiece vocab', () => {
    const vocab = VOCAB.map((t) => t.replace(/^##/, '@@'));
    const j = tokenizerJson(bertNormalizer(true), vocab, '@@');
    j.added_tokens.push({
      id: vocab.length,
      content: '<extra>',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: false,
    });
    const tok = tokenizerFromJson(j);
    expect(tok.tokenize('hellos')).toEqual(['hello', '@@s']);
    expect(tok.vocabSize).toBe(vocab.length + 1);
    expect(tok.idToToken(vocab.length)).toBe('<extra>');
    expect(tok.decode(tok.encode('hellos').ids, { skipSpecialTokens: true })).toBe('hellos');
  });
  it('errors name the file and field', () => {
    const bad = (edit: (j: ReturnType<typeof tokenizerJson>) => void) => {
      const j = tokenizerJson(bertNormalizer(true));
      edit(j);
      return () => tokenizerFromJson(j, 'd/tokenizer.json');
    };
    expect(bad((j) => ((j.model as Record<string, unknown>).type = 'BPE'))).toThrow(
      'd/tokenizer.json: model.type must be "WordPiece" (a BERT tokenizer), got "BPE"',
    );
    expect(bad((j) => ((j.normalizer as Record<string, unknown>).lowercase = 'yes'))).toThrow(
      'd/tokenizer.json: normalizer.lowercase must be true, false or null, got "yes"',
    );
    expect(bad((j) => ((j.model.vocab as Record<string, number>).abc = 40))).toThrow(
      /d\/tokenizer\.json: model\.vocab must number its tokens 0\.\.18 without gaps \(id 18 is missing\)/,
    );
    expect(bad((j) => ((j as Record<string, unknown>).post_processor = null))).toThrow(
      'd/tokenizer.json: post_processor must be an object, got null',
    );
    expect(bad((j) => ((j.pre_tokenizer as Record<string, unknown>).type = 'Whitespace'))).toThrow(
      'd/tokenizer.json: pre_tokenizer.type must be "BertPreTokenizer", got "Whitespace"',
    );
    expect(bad((j) => (j.added_tokens[0]!.content = '<pad>'))).toThrow(
      `d/tokenizer.json: added_tokens[0].content must match model.vocab's "[PAD]" at id 0, got "<pad>"`,
    );
  });
});
