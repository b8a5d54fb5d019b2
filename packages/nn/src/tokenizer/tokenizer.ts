// Hugging Face BertTokenizer equivalent: basic pre-tokenisation + WordPiece + [CLS]/[SEP]. Uncased
// (do_lower_case=True) by default; cased vocabularies and accent handling through the options.

import { assetPath, readTextSync } from '#files';
import { type BasicTokenizeOptions, basicTokenize } from './basic.ts';
import {
  type BertBatchEncoding,
  type BertEncodeBatchOptions,
  type BertEncodeOptions,
  type BertEncoding,
  padBatch,
  withSpecialTokens,
} from './encoding.ts';
import { CONTINUATION_PREFIX, MAX_INPUT_CHARS_PER_WORD, wordPieceTokenize } from './wordpiece.ts';

export const PAD_TOKEN = '[PAD]';
export const UNK_TOKEN = '[UNK]';
export const CLS_TOKEN = '[CLS]';
export const SEP_TOKEN = '[SEP]';
export const MASK_TOKEN = '[MASK]';
const SPECIAL_TOKENS = [PAD_TOKEN, UNK_TOKEN, CLS_TOKEN, SEP_TOKEN, MASK_TOKEN] as const;
// Literal special tokens in the input stay whole, as Hugging Face's added-token split does.
const SPECIAL_SPLIT = /(\[PAD\]|\[UNK\]|\[CLS\]|\[SEP\]|\[MASK\])/;

/** Hugging Face's BertTokenizer settings (tokenizer_config.json, or tokenizer.json's normalizer and model). */
export interface BertTokenizerOptions extends BasicTokenizeOptions {
  /** WordPiece's continuation marker (default '##'). */
  continuationPrefix?: string;
  /** Longer words (in code points) become [UNK] (default 100). */
  maxInputCharsPerWord?: number;
}

export type { BertBatchEncoding, BertEncodeBatchOptions, BertEncodeOptions, BertEncoding } from './encoding.ts';

export interface BertDecodeOptions {
  skipSpecialTokens?: boolean;
}

/** One token per line; id = line index. A trailing newline does not add a token. */
export function parseVocab(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

let defaultTokenizer: BertTokenizer | undefined;

export class BertTokenizer {
  readonly padId: number;
  readonly unkId: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly maskId: number;
  private readonly tokens: readonly string[];
  private readonly vocab: Map<string, number>;
  private readonly specialIds: Set<number>;
  /** The resolved settings (stripAccents made explicit). */
  readonly options: Readonly<Required<BertTokenizerOptions>>;

  constructor(tokens: readonly string[], options: BertTokenizerOptions = {}) {
    this.tokens = tokens;
    const lowercase = options.lowercase ?? true;
    this.options = {
      lowercase,
      stripAccents: options.stripAccents ?? lowercase,
      tokenizeChineseChars: options.tokenizeChineseChars ?? true,
      continuationPrefix: options.continuationPrefix ?? CONTINUATION_PREFIX,
      maxInputCharsPerWord: options.maxInputCharsPerWord ?? MAX_INPUT_CHARS_PER_WORD,
    };
    this.vocab = new Map();
    // Later duplicates win, as in Hugging Face's load_vocab.
    tokens.forEach((t, i) => this.vocab.set(t, i));
    const idOf = (t: string): number => {
      const id = this.vocab.get(t);
      if (id === undefined) throw new Error(`BertTokenizer: vocabulary lacks special token ${t}`);
      return id;
    };
    this.padId = idOf(PAD_TOKEN);
    this.unkId = idOf(UNK_TOKEN);
    this.clsId = idOf(CLS_TOKEN);
    this.sepId = idOf(SEP_TOKEN);
    this.maskId = idOf(MASK_TOKEN);
    this.specialIds = new Set(SPECIAL_TOKENS.map(idOf));
  }

  static fromVocabText(text: string, options: BertTokenizerOptions = {}): BertTokenizer {
    return new BertTokenizer(parseVocab(text), options);
  }

  static fromVocabFile(path: string, options: BertTokenizerOptions = {}): BertTokenizer {
    return BertTokenizer.fromVocabText(readTextSync(path), options);
  }

  /** The vocabulary as vocab.txt holds it: one token per line, by id. */
  vocabText(): string {
    return `${this.tokens.join('\n')}\n`;
  }

  /** bert-base-uncased, from the vocabulary shipped in this package's assets folder (cached; Node). */
  static default(): BertTokenizer {
    defaultTokenizer ??= BertTokenizer.fromVocabFile(assetPath('../../assets/vocab.txt'));
    return defaultTokenizer;
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  idToToken(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length) {
      throw new RangeError(`BertTokenizer: token id ${id} outside vocabulary [0, ${this.tokens.length})`);
    }
    return this.tokens[id]!;
  }

  /** Id of `token`, or unkId when it is not in the vocabulary. */
  tokenToId(token: string): number {
    return this.vocab.get(token) ?? this.unkId;
  }

  hasToken(token: string): boolean {
    return this.vocab.has(token);
  }

  tokenize(text: string): string[] {
    const out: string[] = [];
    const o = this.options;
    const wpOptions = {
      unkToken: UNK_TOKEN,
      prefix: o.continuationPrefix,
      maxInputCharsPerWord: o.maxInputCharsPerWord,
    };
    // split() with a capture group puts the matched special tokens at odd indices.
    text.split(SPECIAL_SPLIT).forEach((segment, i) => {
      if (i % 2 === 1) out.push(segment);
      else for (const word of basicTokenize(segment, o)) out.push(...wordPieceTokenize(word, this.vocab, wpOptions));
    });
    return out;
  }

  encode(text: string, options: BertEncodeOptions = {}): BertEncoding {
    const pieceIds = this.tokenize(text).map((t) => this.tokenToId(t));
    return withSpecialTokens('BertTokenizer', pieceIds, options, this.clsId, this.sepId);
  }

  encodeBatch(texts: readonly string[], options: BertEncodeBatchOptions = {}): BertBatchEncoding {
    return padBatch('BertTokenizer', texts, options, (t, o) => this.encode(t, o), this.padId);
  }

  /** Inverse of encode up to normalisation: joins pieces, merges '##' continuations, tidies punctuation spacing. */
  decode(ids: ArrayLike<number>, options: BertDecodeOptions = {}): string {
    // Special tokens are separate segments, so a '##' piece never merges into one (as in HF).
    const segments: string[] = [];
    let group: string[] = [];
    const flush = (): void => {
      if (group.length) segments.push(group.join(' ').replaceAll(` ${this.options.continuationPrefix}`, '').trim());
      group = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = this.idToToken(id);
      if (this.specialIds.has(id)) {
        flush();
        if (!options.skipSpecialTokens) segments.push(token);
      } else {
        group.push(token);
      }
    }
    flush();
    return cleanUpTokenizationSpaces(segments.join(' '));
  }
}

/** Hugging Face's clean_up_tokenization: removes the space BERT leaves before punctuation and clitics. */
function cleanUpTokenizationSpaces(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
