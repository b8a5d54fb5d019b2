// Byte-level BPE (GPT-2 / RoBERTa, Hugging Face's RobertaTokenizer): text -> UTF-8 bytes, each byte
// a printable character (bytes_to_unicode), split by GPT-2's pre-tokenisation regex, each piece
// merged by rank (merges.txt order), special tokens `<s> ... </s>`, right-padded with `<pad>`.
// Files: vocab.json + merges.txt, or a tokenizer.json whose model is BPE with a ByteLevel
// pre-tokenizer. encodeBatch returns BertTokenizer's shapes, so a sentence encoder takes either.
import {
  type BertBatchEncoding,
  type BertEncodeBatchOptions,
  type BertEncodeOptions,
  type BertEncoding,
  padBatch,
  withSpecialTokens,
} from './encoding.ts';
import type { BertDecodeOptions } from './tokenizer.ts';

/** GPT-2's pre-tokenisation: contractions, letters, numbers, other symbols (each with one leading space), spaces. */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * GPT-2's bytes_to_unicode: bytes that are printable Latin-1 map to themselves, the other 68
 * (controls, space, 0x7F-0xA0, 0xAD) to U+0100.. in byte order, so every byte is one visible character.
 */
export function bytesToUnicode(): string[] {
  const keep = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(keep(b) ? b : 256 + n++));
  return out;
}

const BYTE_TO_CHAR = bytesToUnicode();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));
const UTF8 = new TextEncoder();

export interface BpeSpecialTokens {
  bos: string;
  eos: string;
  pad: string;
  unk: string;
  mask: string;
}

export const ROBERTA_SPECIAL_TOKENS: BpeSpecialTokens = {
  bos: '<s>',
  eos: '</s>',
  pad: '<pad>',
  unk: '<unk>',
  mask: '<mask>',
};

export interface BpeTokenizerOptions {
  /** Special token strings (default RoBERTa's `<s> </s> <pad> <unk> <mask>`). */
  specialTokens?: Partial<BpeSpecialTokens>;
  /** Treat the text as if it began with a space (HF add_prefix_space; default false, as roberta-base). */
  addPrefixSpace?: boolean;
  /** Names the source in errors. */
  source?: string;
}

/** merges.txt: an optional `#version` line, then one "a b" pair per line, highest priority first. */
export function parseMerges(text: string, source = 'merges.txt'): [string, string][] {
  const out: [string, string][] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new Error(
        `${source}: line ${i + 1} must be two tokens separated by one space, got ${JSON.stringify(line)}`,
      );
    }
    out.push([parts[0], parts[1]]);
  });
  return out;
}

/** vocab.json: {token: id}, ids non-negative integers, each used once. */
export function parseBpeVocab(json: unknown, source = 'vocab.json'): Map<string, number> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(
      `${source}: expected a JSON object {token: id}, got ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  }
  const vocab = new Map<string, number>();
  const seen = new Map<number, string>();
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new Error(
        `${source}: token ${JSON.stringify(token)} must map to a non-negative integer id, got ${JSON.stringify(id)}`,
      );
    }
    const other = seen.get(id);
    if (other !== undefined) {
      throw new Error(`${source}: id ${id} is given to both ${JSON.stringify(other)} and ${JSON.stringify(token)}`);
    }
    seen.set(id, token);
    vocab.set(token, id);
  }
  return vocab;
}

export class BpeTokenizer {
  readonly padId: number;
  readonly unkId: number;
  /** `<s>` (RoBERTa's "CLS"). */
  readonly clsId: number;
  /** `</s>` (RoBERTa's "SEP"). */
  readonly sepId: number;
  readonly maskId: number;
  readonly addPrefixSpace: boolean;
  readonly special: BpeSpecialTokens;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly tokens: (string | undefined)[];
  private readonly ranks: Map<string, number>;
  private readonly specialIds: Set<number>;
  private readonly specialSplit: RegExp;
  private readonly cache = new Map<string, string[]>();

  constructor(
    vocab: ReadonlyMap<string, number>,
    merges: readonly (readonly [string, string])[],
    opts: BpeTokenizerOptions = {},
  ) {
    const source = opts.source ?? 'BpeTokenizer';
    this.vocab = vocab;
    this.special = { ...ROBERTA_SPECIAL_TOKENS, ...opts.specialTokens };
    this.addPrefixSpace = opts.addPrefixSpace ?? false;
    let size = 0;
    for (const id of vocab.values()) size = Math.max(size, id + 1);
    this.tokens = new Array<string | undefined>(size);
    for (const [t, id] of vocab) this.tokens[id] = t;
    // A pair listed twice takes its last rank, as HF's dict(zip(merges, range(len(merges)))).
    this.ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
    const idOf = (role: keyof BpeSpecialTokens): number => {
      const t = this.special[role];
      const id = vocab.get(t);
      if (id === undefined) throw new Error(`${source}: vocabulary lacks the ${role} token ${JSON.stringify(t)}`);
      return id;
    };
    this.clsId = idOf('bos');
    this.sepId = idOf('eos');
    this.padId = idOf('pad');
    this.unkId = idOf('unk');
    this.maskId = idOf('mask');
    const specials = Object.values(this.special);
    this.specialIds = new Set(specials.map((t) => vocab.get(t)!));
    // Longest first, so a special token that contains another is matched whole.
    const alternatives = [...new Set(specials)]
      .sort((a, b) => b.length - a.length)
      .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.specialSplit = new RegExp(`(${alternatives.join('|')})`);
  }

  /** From vocab.json (text or parsed) and merges.txt. */
  static fromFiles(vocabJson: string | object, mergesText: string, opts: BpeTokenizerOptions = {}): BpeTokenizer {
    let json: unknown = vocabJson;
    if (typeof vocabJson === 'string') {
      try {
        json = JSON.parse(vocabJson);
      } catch (e) {
        throw new Error(`vocab.json: invalid JSON (${(e as Error).message})`);
      }
    }
    return new BpeTokenizer(parseBpeVocab(json), parseMerges(mergesText), opts);
  }

  /**
   * From a Hugging Face tokenizer.json (text or parsed) whose model is BPE behind a ByteLevel
   * pre-tokenizer (GPT-2, RoBERTa). Added tokens join the vocabulary; add_prefix_space is read from
   * the ByteLevel pre-tokenizer.
   */
  static fromTokenizerJson(json: string | object, opts: BpeTokenizerOptions = {}): BpeTokenizer {
    const source = opts.source ?? 'tokenizer.json';
    let o: unknown = json;
    if (typeof json === 'string') {
      try {
        o = JSON.parse(json);
      } catch (e) {
        throw new Error(`${source}: invalid JSON (${(e as Error).message})`);
      }
    }
    const root = o as {
      model?: { type?: unknown; vocab?: unknown; merges?: unknown };
      pre_tokenizer?: unknown;
      added_tokens?: unknown;
    };
    const model = root?.model;
    if (model?.type !== 'BPE') {
      throw new Error(
        `${source}: model.type must be "BPE" for a byte-level BPE tokenizer, got ${JSON.stringify(model?.type)}`,
      );
    }
    const byteLevel = findByteLevel(root.pre_tokenizer);
    if (!byteLevel) {
      throw new Error(
        `${source}: pre_tokenizer must be ByteLevel (GPT-2/RoBERTa style), got ${JSON.stringify((root.pre_tokenizer as { type?: unknown })?.type ?? null)}`,
      );
    }
    const vocab = parseBpeVocab(model.vocab, `${source} model.vocab`);
    if (!Array.isArray(model.merges))
      throw new Error(`${source}: model.merges must be an array, got ${typeof model.merges}`);
    const merges = model.merges.map((m, i): [string, string] => {
      const pair = typeof m === 'string' ? m.split(' ') : m;
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
        throw new Error(`${source}: model.merges[${i}] must be "a b" or ["a", "b"], got ${JSON.stringify(m)}`);
      }
      return [pair[0], pair[1]];
    });
    if (Array.isArray(root.added_tokens)) {
      for (const t of root.added_tokens as { id?: unknown; content?: unknown }[]) {
        if (typeof t?.content === 'string' && typeof t.id === 'number' && !vocab.has(t.content))
          vocab.set(t.content, t.id);
      }
    }
    return new BpeTokenizer(vocab, merges, {
      addPrefixSpace: byteLevel.add_prefix_space === true,
      ...opts,
      source,
    });
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  idToToken(id: number): string {
    const t = Number.isInteger(id) && id >= 0 ? this.tokens[id] : undefined;
    if (t === undefined)
      throw new RangeError(`BpeTokenizer: token id ${id} is not in the vocabulary [0, ${this.tokens.length})`);
    return t;
  }

  /** Id of `token` (a byte-level string such as "Ġworld"), or unkId. */
  tokenToId(token: string): number {
    return this.vocab.get(token) ?? this.unkId;
  }

  hasToken(token: string): boolean {
    return this.vocab.has(token);
  }

  /** The BPE of one pre-tokenised piece, already byte-mapped (cached). */
  bpe(word: string): string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let parts = [...word];
    while (parts.length > 1) {
      let best = -1;
      let bestRank = Number.POSITIVE_INFINITY;
      for (let i = 0; i < parts.length - 1; i++) {
        const r = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const a = parts[best];
      const b = parts[best + 1];
      // Merge every non-overlapping occurrence of (a, b), left to right, as GPT-2's encoder does.
      const next: string[] = [];
      for (let i = 0; i < parts.length; ) {
        if (i < parts.length - 1 && parts[i] === a && parts[i + 1] === b) {
          next.push(a + b);
          i += 2;
        } else {
          next.push(parts[i++]);
        }
      }
      parts = next;
    }
    if (this.cache.size < 100_000) this.cache.set(word, parts);
    return parts;
  }

  /** Byte-level tokens ("Ġworld"); special tokens in the text stay whole (`<mask>` takes the space before it). */
  tokenize(text: string): string[] {
    const out: string[] = [];
    const segments = text.split(this.specialSplit);
    segments.forEach((segment, i) => {
      if (i % 2 === 1) {
        out.push(segment);
        return;
      }
      let s = segment;
      // HF's <mask> is lstrip: it absorbs the whitespace before it.
      if (i + 1 < segments.length && segments[i + 1] === this.special.mask) s = s.trimEnd();
      if (this.addPrefixSpace && i === 0 && s !== '' && !/^\s/.test(s)) s = ` ${s}`;
      for (const m of s.matchAll(GPT2_SPLIT)) {
        let mapped = '';
        for (const byte of UTF8.encode(m[0])) mapped += BYTE_TO_CHAR[byte];
        out.push(...this.bpe(mapped));
      }
    });
    return out;
  }

  encode(text: string, options: BertEncodeOptions = {}): BertEncoding {
    const pieceIds = this.tokenize(text).map((t) => this.tokenToId(t));
    return withSpecialTokens('BpeTokenizer', pieceIds, options, this.clsId, this.sepId);
  }

  /** Row-major [batch, seqLen], right-padded with `<pad>` and mask 0; token types all 0. */
  encodeBatch(texts: readonly string[], options: BertEncodeBatchOptions = {}): BertBatchEncoding {
    return padBatch('BpeTokenizer', texts, options, (t, o) => this.encode(t, o), this.padId);
  }

  /** The text back: byte-level tokens to bytes to UTF-8 (invalid sequences become U+FFFD). */
  decode(ids: ArrayLike<number>, options: BertDecodeOptions = {}): string {
    let out = '';
    let bytes: number[] = [];
    const flush = () => {
      out += new TextDecoder().decode(Uint8Array.from(bytes));
      bytes = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const token = this.idToToken(id);
      if (this.specialIds.has(id)) {
        flush();
        if (!options.skipSpecialTokens) out += token;
        continue;
      }
      for (const ch of token) {
        const b = CHAR_TO_BYTE.get(ch);
        if (b === undefined) {
          // An added token that is not byte-level text: kept as written.
          flush();
          out += ch;
        } else bytes.push(b);
      }
    }
    flush();
    return out;
  }
}

function findByteLevel(p: unknown): { add_prefix_space?: unknown } | null {
  const o = p as { type?: unknown; pretokenizers?: unknown } | null;
  if (!o || typeof o !== 'object') return null;
  if (o.type === 'ByteLevel') return o as { add_prefix_space?: unknown };
  if (o.type === 'Sequence' && Array.isArray(o.pretokenizers)) {
    for (const q of o.pretokenizers) {
      const hit = findByteLevel(q);
      if (hit) return hit;
    }
  }
  return null;
}
