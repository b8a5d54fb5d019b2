// Hugging Face's tokenizer files for a BERT WordPiece tokenizer: reading tokenizer_config.json
// (the slow tokenizer's settings beside vocab.txt) and tokenizer.json (the `tokenizers` library's
// whole pipeline), and writing tokenizer_config.json and special_tokens_map.json. Errors name the
// file and field at fault.

import {
  type BertTokenizerOptions,
  BertTokenizer,
  CLS_TOKEN,
  MASK_TOKEN,
  PAD_TOKEN,
  SEP_TOKEN,
  UNK_TOKEN,
} from './tokenizer.ts';

type Json = Record<string, unknown>;

/** tokenizer_class values that are BERT's WordPiece (the same files, the same pipeline). */
const WORDPIECE_CLASSES = new Set([
  'BertTokenizer',
  'BertTokenizerFast',
  'DistilBertTokenizer',
  'DistilBertTokenizerFast',
  'ElectraTokenizer',
  'ElectraTokenizerFast',
]);

function fail(source: string, field: string, what: string, got: unknown): never {
  throw new Error(`${source}: ${field} ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

function object(v: unknown, source: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(source, field, 'must be an object', v);
  return v as Json;
}

function optBool(o: Json, key: string, source: string, prefix = ''): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(source, prefix + key, 'must be true, false or null', v);
  return v;
}

/** The tokenizer settings in a tokenizer_config.json (parsed); absent fields keep HF's defaults. */
export function tokenizerOptionsFromConfig(json: unknown, source = 'tokenizer_config.json'): BertTokenizerOptions {
  const c = object(json, source, '(top level)');
  const cls = c.tokenizer_class;
  if (cls !== undefined && cls !== null && (typeof cls !== 'string' || !WORDPIECE_CLASSES.has(cls))) {
    fail(source, 'tokenizer_class', `must be a BERT WordPiece tokenizer (${[...WORDPIECE_CLASSES].join(', ')})`, cls);
  }
  const opts: BertTokenizerOptions = {};
  const lower = optBool(c, 'do_lower_case', source);
  const strip = optBool(c, 'strip_accents', source);
  const cjk = optBool(c, 'tokenize_chinese_chars', source);
  if (lower !== undefined) opts.lowercase = lower;
  if (strip !== undefined) opts.stripAccents = strip;
  if (cjk !== undefined) opts.tokenizeChineseChars = cjk;
  if (c.do_basic_tokenize === false)
    fail(source, 'do_basic_tokenize', 'must be true (WordPiece alone is not supported)', false);
  return opts;
}

/** A tokenizer.json's normalizer as our options (BertNormalizer, or a Sequence of simple steps). */
function normalizerOptions(n: unknown, source: string, field: string): BertTokenizerOptions {
  const o = object(n, source, field);
  switch (o.type) {
    case 'BertNormalizer': {
      if (o.clean_text === false) fail(source, `${field}.clean_text`, 'must be true (BERT always cleans)', false);
      const opts: BertTokenizerOptions = {
        lowercase: optBool(o, 'lowercase', source, `${field}.`) ?? true,
        tokenizeChineseChars: optBool(o, 'handle_chinese_chars', source, `${field}.`) ?? true,
      };
      const strip = optBool(o, 'strip_accents', source, `${field}.`);
      if (strip !== undefined) opts.stripAccents = strip;
      return opts;
    }
    case 'Sequence': {
      if (!Array.isArray(o.normalizers)) fail(source, `${field}.normalizers`, 'must be an array', o.normalizers);
      const opts: BertTokenizerOptions = { lowercase: false, stripAccents: false, tokenizeChineseChars: false };
      o.normalizers.forEach((s, i) => {
        const f = `${field}.normalizers[${i}]`;
        const t = object(s, source, f).type;
        if (t === 'Lowercase') opts.lowercase = true;
        else if (t === 'StripAccents') opts.stripAccents = true;
        else if (t === 'BertNormalizer') Object.assign(opts, normalizerOptions(s, source, f));
        else if (t !== 'NFD' && t !== 'NFC')
          fail(source, `${f}.type`, 'must be BertNormalizer, Lowercase, StripAccents, NFD or NFC', t);
      });
      return opts;
    }
    default:
      return fail(source, `${field}.type`, 'must be BertNormalizer or Sequence', o.type);
  }
}

/**
 * The vocabulary (by id) and settings of a tokenizer.json (parsed) holding a WordPiece model with
 * BERT's normalizer, pre-tokenizer and [CLS] … [SEP] post-processor.
 */
export function parseTokenizerJson(
  json: unknown,
  source = 'tokenizer.json',
): { tokens: string[]; options: BertTokenizerOptions } {
  const t = object(json, source, '(top level)');
  const model = object(t.model, source, 'model');
  if (model.type !== 'WordPiece') fail(source, 'model.type', 'must be "WordPiece" (a BERT tokenizer)', model.type);
  if (model.unk_token !== undefined && model.unk_token !== UNK_TOKEN)
    fail(source, 'model.unk_token', `must be "${UNK_TOKEN}"`, model.unk_token);
  const vocab = object(model.vocab, source, 'model.vocab');
  const byId = new Map<number, string>();
  for (const [tok, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0)
      fail(source, `model.vocab[${JSON.stringify(tok)}]`, 'must be a non-negative integer id', id);
    if (byId.has(id as number))
      fail(source, `model.vocab[${JSON.stringify(tok)}]`, `repeats the id of "${byId.get(id as number)}"`, id);
    byId.set(id as number, tok);
  }
  // Added tokens outside the WordPiece vocabulary take their own ids.
  if (t.added_tokens !== undefined && t.added_tokens !== null) {
    if (!Array.isArray(t.added_tokens)) fail(source, 'added_tokens', 'must be an array', t.added_tokens);
    t.added_tokens.forEach((a, i) => {
      const o = object(a, source, `added_tokens[${i}]`);
      if (!Number.isInteger(o.id) || typeof o.content !== 'string')
        fail(source, `added_tokens[${i}]`, 'must have an integer id and a string content', a);
      const have = byId.get(o.id as number);
      if (have === undefined) byId.set(o.id as number, o.content);
      else if (have !== o.content)
        fail(source, `added_tokens[${i}].content`, `must match model.vocab's "${have}" at id ${o.id}`, o.content);
    });
  }
  const tokens = Array.from({ length: byId.size }, (_, i) => {
    const tok = byId.get(i);
    if (tok === undefined)
      fail(
        source,
        'model.vocab',
        `must number its tokens 0..${byId.size - 1} without gaps (id ${i} is missing)`,
        byId.size,
      );
    return tok;
  });

  const options =
    t.normalizer === null || t.normalizer === undefined
      ? { lowercase: false, stripAccents: false, tokenizeChineseChars: false }
      : normalizerOptions(t.normalizer, source, 'normalizer');
  const pre = object(t.pre_tokenizer, source, 'pre_tokenizer');
  if (pre.type !== 'BertPreTokenizer') fail(source, 'pre_tokenizer.type', 'must be "BertPreTokenizer"', pre.type);
  checkPostProcessor(t.post_processor, source);
  const prefix = model.continuing_subword_prefix;
  if (prefix !== undefined && prefix !== null) {
    if (typeof prefix !== 'string' || !prefix)
      fail(source, 'model.continuing_subword_prefix', 'must be a non-empty string', prefix);
    options.continuationPrefix = prefix;
  }
  const maxChars = model.max_input_chars_per_word;
  if (maxChars !== undefined && maxChars !== null) {
    if (!Number.isInteger(maxChars) || (maxChars as number) < 1)
      fail(source, 'model.max_input_chars_per_word', 'must be a positive integer', maxChars);
    options.maxInputCharsPerWord = maxChars as number;
  }
  return { tokens, options };
}

/** Ours always wraps a sentence as [CLS] … [SEP]: the file must say the same. */
function checkPostProcessor(p: unknown, source: string): void {
  const o = object(p, source, 'post_processor');
  if (o.type === 'BertProcessing') {
    const [sep, cls] = [o.sep, o.cls].map((x) => (Array.isArray(x) ? x[0] : undefined));
    if (cls !== CLS_TOKEN || sep !== SEP_TOKEN)
      fail(source, 'post_processor', `must add ${CLS_TOKEN} and ${SEP_TOKEN}`, { cls: o.cls, sep: o.sep });
    return;
  }
  if (o.type !== 'TemplateProcessing')
    fail(source, 'post_processor.type', 'must be BertProcessing or TemplateProcessing', o.type);
  const single = o.single;
  const name = (x: unknown): string | undefined => (x as { SpecialToken?: { id?: string } })?.SpecialToken?.id;
  const isA = (x: unknown): boolean => (x as { Sequence?: { id?: string } })?.Sequence?.id === 'A';
  if (
    !Array.isArray(single) ||
    single.length !== 3 ||
    name(single[0]) !== CLS_TOKEN ||
    !isA(single[1]) ||
    name(single[2]) !== SEP_TOKEN
  )
    fail(source, 'post_processor.single', `must be ${CLS_TOKEN} $A ${SEP_TOKEN}`, single);
}

/** A BertTokenizer from a tokenizer.json (parsed). */
export function tokenizerFromJson(json: unknown, source = 'tokenizer.json'): BertTokenizer {
  const { tokens, options } = parseTokenizerJson(json, source);
  try {
    return new BertTokenizer(tokens, options);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

/** special_tokens_map.json, as transformers' save_pretrained writes it for BERT. */
export function specialTokensMap(): Json {
  return {
    cls_token: CLS_TOKEN,
    mask_token: MASK_TOKEN,
    pad_token: PAD_TOKEN,
    sep_token: SEP_TOKEN,
    unk_token: UNK_TOKEN,
  };
}

/**
 * tokenizer_config.json for `tok`, as transformers' save_pretrained writes it for a BertTokenizer.
 * `modelMaxLength` is where its truncation cuts (ours: the length the model was trained at).
 */
export function tokenizerConfig(tok: BertTokenizer, modelMaxLength: number): Json {
  const added: Json = {};
  for (const t of [PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN, MASK_TOKEN].sort(
    (a, b) => tok.tokenToId(a) - tok.tokenToId(b),
  )) {
    added[String(tok.tokenToId(t))] = {
      content: t,
      lstrip: false,
      normalized: false,
      rstrip: false,
      single_word: false,
      special: true,
    };
  }
  const o = tok.options;
  return {
    added_tokens_decoder: added,
    clean_up_tokenization_spaces: true,
    cls_token: CLS_TOKEN,
    do_basic_tokenize: true,
    do_lower_case: o.lowercase,
    mask_token: MASK_TOKEN,
    model_max_length: modelMaxLength,
    never_split: null,
    pad_token: PAD_TOKEN,
    sep_token: SEP_TOKEN,
    // null: follow do_lower_case, as HF does; written explicitly only when it differs.
    strip_accents: o.stripAccents === o.lowercase ? null : o.stripAccents,
    tokenize_chinese_chars: o.tokenizeChineseChars,
    tokenizer_class: 'BertTokenizer',
    unk_token: UNK_TOKEN,
  };
}
