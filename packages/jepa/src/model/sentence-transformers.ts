// The sentence-transformers layout of a model dir, as its SentenceTransformer.save() writes it:
// modules.json lists the pipeline (Transformer, optionally WordWeights, Pooling, optionally
// Normalize), each module in its own folder named idx_Type (the Transformer at the root, path "");
// the Pooling's config.json picks the pooling; sentence_bert_config.json (beside the Transformer's
// files) the max sequence length. SIF is a WordWeights module (per-token weights: the pooled
// vector becomes sum(w h) / sum(w), exactly our weighted mean) before a mean Pooling. Writing and
// reading both live here; errors name the file and field at fault.
import type { PoolingMode } from '@jepa/nn';
import type { Pooling } from './encoder.ts';

type Json = Record<string, unknown>;

const ST = 'sentence_transformers.models.';
export const ST_MODULES_FILE = 'modules.json';
export const ST_CONFIG_FILE = 'config_sentence_transformers.json';
export const ST_BERT_CONFIG_FILE = 'sentence_bert_config.json';

/** What a sentence-transformers dir says about the encoder around its Transformer. */
export interface SentenceTransformersSettings {
  /** From the Pooling module's config.json ('sif': mean after WordWeights); undefined without a Pooling module. */
  pooling?: Pooling;
  /** The WordWeights module's weights by token id (for 'sif'). */
  tokenWeights?: Float32Array;
  /** sentence_bert_config.json's max_seq_length (tokens, [CLS] and [SEP] included). */
  maxSeqLength?: number;
  /** sentence_bert_config.json's do_lower_case: lowercase the text before the tokenizer. */
  doLowerCase?: boolean;
  /** The Pooling config's word_embedding_dimension (must be the model's hidden size). */
  wordEmbeddingDimension?: number;
  /** A Normalize module follows the pooling: embeddings are unit vectors. */
  normalize: boolean;
}

export interface StModules {
  /** The Transformer's folder relative to the dir ('' for the root). */
  transformer: string;
  /** The WordWeights and Pooling modules' folders, or null when there is none. */
  wordWeights: string | null;
  pooling: string | null;
  normalize: boolean;
}

// --- writing ---

export interface StExport {
  hidden: number;
  pooling: PoolingMode;
  maxSeqLength: number;
  normalize: boolean;
  /** SIF: a WordWeights module before the (mean) pooling; the vocabulary by id and its weights. */
  wordWeights?: { vocab: readonly string[]; weights: Float32Array } | null;
}

/**
 * The files (path relative to the dir -> JSON text) that make a HF BERT dir a sentence-transformers
 * dir. A Normalize module has no file: its folder is created empty (listed as `<dir>/` -> null).
 */
export function sentenceTransformersFiles(o: StExport): Record<string, string | null> {
  const files: Record<string, string | null> = {};
  const text = (j: unknown) => `${JSON.stringify(j, null, 2)}\n`;
  const modules: Json[] = [{ idx: 0, name: '0', path: '', type: `${ST}Transformer` }];
  const add = (type: string): string => {
    const idx = modules.length;
    const path = `${idx}_${type}`;
    modules.push({ idx, name: String(idx), path, type: `${ST}${type}` });
    return path;
  };
  if (o.wordWeights) {
    const { vocab, weights } = o.wordWeights;
    if (vocab.length !== weights.length)
      throw new Error(`sentenceTransformersFiles: ${weights.length} word weights for ${vocab.length} tokens`);
    // Every token has its weight (f32 values print exactly as JSON doubles); unknown_word_weight is unused.
    const word_weights: Record<string, number> = {};
    vocab.forEach((t, i) => (word_weights[t] = weights[i]!));
    files[`${add('WordWeights')}/config.json`] = text({ vocab, word_weights, unknown_word_weight: 1 });
  }
  const pooling = {
    word_embedding_dimension: o.hidden,
    pooling_mode_cls_token: o.pooling === 'cls',
    pooling_mode_mean_tokens: o.pooling === 'mean',
    pooling_mode_max_tokens: o.pooling === 'max',
    pooling_mode_mean_sqrt_len_tokens: false,
    pooling_mode_weightedmean_tokens: false,
    pooling_mode_lasttoken: false,
    include_prompt: true,
  };
  // The version sentence-transformers compares with its own (a newer one only warns); the rest is
  // what 3.x writes. Cosine: what our evaluation ranks by.
  const config = {
    __version__: { sentence_transformers: '3.0.1', transformers: '4.41.2', pytorch: '1.13.0' },
    prompts: {},
    default_prompt_name: null,
    similarity_fn_name: 'cosine',
  };
  // do_lower_case false: the tokenizer (tokenizer_config.json) does the lowercasing, as in every
  // sentence-transformers BERT model.
  const bert = { max_seq_length: o.maxSeqLength, do_lower_case: false };
  files[`${add('Pooling')}/config.json`] = text(pooling);
  if (o.normalize) files[`${add('Normalize')}/`] = null;
  files[ST_MODULES_FILE] = text(modules);
  files[ST_CONFIG_FILE] = text(config);
  files[ST_BERT_CONFIG_FILE] = text(bert);
  return files;
}

// --- reading ---

function fail(source: string, field: string, what: string, got: unknown): never {
  throw new Error(`${source}: ${field} ${what}, got ${JSON.stringify(got) ?? String(got)}`);
}

function object(v: unknown, source: string, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(source, field, 'must be an object', v);
  return v as Json;
}

type Kind = 'transformer' | 'wordWeights' | 'pooling' | 'normalize';
const ORDER: Kind[] = ['transformer', 'wordWeights', 'pooling', 'normalize'];

/** Module types we run: the Transformer (or the old BERT name), WordWeights, Pooling, Normalize. */
function kind(type: string): Kind | null {
  const short = type.replace(/^sentence_transformers\.(sentence_transformer\.)?models\./, '');
  if (short === 'Transformer' || short === 'BERT') return 'transformer';
  if (short === 'WordWeights') return 'wordWeights';
  if (short === 'Pooling') return 'pooling';
  if (short === 'Normalize') return 'normalize';
  return null;
}

/** modules.json (parsed): where the Transformer and Pooling live, and whether a Normalize follows. */
export function parseModules(json: unknown, source = ST_MODULES_FILE): StModules {
  if (!Array.isArray(json) || json.length === 0)
    fail(source, '(top level)', 'must be a non-empty array of modules', json);
  const out: StModules = { transformer: '', wordWeights: null, pooling: null, normalize: false };
  let last = -1;
  json.forEach((m, i) => {
    const o = object(m, source, `[${i}]`);
    if (typeof o.type !== 'string') fail(source, `[${i}].type`, 'must be a string', o.type);
    if (typeof o.path !== 'string') fail(source, `[${i}].path`, 'must be a string', o.path);
    const k = kind(o.type);
    if (!k)
      fail(
        source,
        `[${i}].type`,
        `is not supported (only ${ST}Transformer, WordWeights, Pooling and Normalize)`,
        o.type,
      );
    if (ORDER.indexOf(k) <= last)
      fail(
        source,
        `[${i}].type`,
        'is out of order (Transformer, WordWeights, Pooling, Normalize, each at most once)',
        o.type,
      );
    last = ORDER.indexOf(k);
    if (k === 'transformer') out.transformer = o.path.replace(/^\.?\/?|\/$/g, '');
    else if (k === 'wordWeights') out.wordWeights = o.path;
    else if (k === 'pooling') out.pooling = o.path;
    else out.normalize = true;
  });
  if (last < 0 || kind((json[0] as Json).type as string) !== 'transformer')
    fail(source, '[0].type', `must be ${ST}Transformer`, (json[0] as Json).type);
  return out;
}

/** A Pooling module's config.json (parsed): the one mode it pools with. */
export function parsePoolingConfig(
  json: unknown,
  hidden: number | null,
  source = '1_Pooling/config.json',
): PoolingMode {
  const c = object(json, source, '(top level)');
  if (hidden !== null && c.word_embedding_dimension !== hidden)
    fail(
      source,
      'word_embedding_dimension',
      `must equal the model's hidden_size ${hidden}`,
      c.word_embedding_dimension,
    );
  const on = (k: string): boolean => {
    if (c[k] !== undefined && typeof c[k] !== 'boolean') fail(source, k, 'must be true or false', c[k]);
    return c[k] === true;
  };
  const modes: PoolingMode[] = [];
  if (on('pooling_mode_cls_token')) modes.push('cls');
  if (on('pooling_mode_mean_tokens')) modes.push('mean');
  if (on('pooling_mode_max_tokens')) modes.push('max');
  for (const k of ['pooling_mode_mean_sqrt_len_tokens', 'pooling_mode_weightedmean_tokens', 'pooling_mode_lasttoken']) {
    if (on(k)) fail(source, k, 'is not supported (cls, mean or max only)', true);
  }
  if (modes.length !== 1)
    fail(
      source,
      'pooling_mode_*',
      'must select exactly one of cls, mean, max (concatenated poolings are not supported)',
      modes,
    );
  return modes[0]!;
}

/** sentence_bert_config.json (parsed). */
export function parseSentenceBertConfig(
  json: unknown,
  source = ST_BERT_CONFIG_FILE,
): { maxSeqLength?: number; doLowerCase?: boolean } {
  const c = object(json, source, '(top level)');
  const out: { maxSeqLength?: number; doLowerCase?: boolean } = {};
  if (c.max_seq_length !== undefined && c.max_seq_length !== null) {
    if (!Number.isInteger(c.max_seq_length) || (c.max_seq_length as number) < 2)
      fail(source, 'max_seq_length', 'must be an integer >= 2', c.max_seq_length);
    out.maxSeqLength = c.max_seq_length as number;
  }
  if (c.do_lower_case !== undefined && c.do_lower_case !== null) {
    if (typeof c.do_lower_case !== 'boolean') fail(source, 'do_lower_case', 'must be true or false', c.do_lower_case);
    out.doLowerCase = c.do_lower_case;
  }
  return out;
}

/** A WordWeights module's config.json (parsed): a weight per token id, as its constructor computes them. */
export function parseWordWeights(json: unknown, source = '1_WordWeights/config.json'): Float32Array {
  const c = object(json, source, '(top level)');
  if (!Array.isArray(c.vocab) || c.vocab.some((t) => typeof t !== 'string'))
    fail(source, 'vocab', 'must be an array of strings', typeof c.vocab);
  const ww = object(c.word_weights, source, 'word_weights');
  const unknown = c.unknown_word_weight ?? 1;
  if (typeof unknown !== 'number') fail(source, 'unknown_word_weight', 'must be a number', unknown);
  return Float32Array.from(c.vocab as string[], (t) => {
    const low = t.toLowerCase();
    const w = Object.hasOwn(ww, t) ? ww[t] : Object.hasOwn(ww, low) ? ww[low] : unknown;
    if (typeof w !== 'number' || !Number.isFinite(w))
      fail(source, `word_weights[${JSON.stringify(t)}]`, 'must be a finite number', w);
    return w;
  });
}
