// An encoder from a model dir (a URL in a browser), or from those files' contents. The dir may be
// one of our run dirs, a plain Hugging Face BERT dir, or a sentence-transformers dir whose
// Transformer lives at the root or in its own folder (0_Transformer/); the tokenizer comes from
// vocab.txt (+ tokenizer_config.json) or, without vocab.txt, tokenizer.json. A config.json with
// model_type "roberta" builds a RobertaModel with its byte-level BPE tokenizer (vocab.json + merges.txt,
// or tokenizer.json).
import {
  BertModel,
  RobertaModel,
  BertTokenizer,
  type BertTokenizerOptions,
  describeLoad,
  fileExists,
  joinPath,
  readBytes,
  readText,
  tokenizerFromJson,
  tokenizerOptionsFromConfig,
} from '@jepa/nn';
import { init } from '@jepa/tensor';
import type { Pooling } from './encoder.ts';
import { SentenceEncoder } from './encoder.ts';
import {
  parseModules,
  parsePoolingConfig,
  parseSentenceBertConfig,
  parseWordWeights,
  ST_BERT_CONFIG_FILE,
  ST_MODULES_FILE,
  type SentenceTransformersSettings,
  type StModules,
} from './sentence-transformers.ts';
import { TOKEN_WEIGHTS_FILE, tokenWeightsFromBytes } from './sif.ts';

export {
  parseModules,
  parsePoolingConfig,
  parseSentenceBertConfig,
  parseWordWeights,
  sentenceTransformersFiles,
  type SentenceTransformersSettings,
  type StExport,
  type StModules,
} from './sentence-transformers.ts';

export interface LoadOptions {
  pooling?: Pooling;
  maxTokens?: number;
  /** Unit-length embeddings from embed() by default (default: the dir's Normalize module, else off). */
  normalize?: boolean;
  /**
   * Load the weights that match and skip the rest (which keep their random initialisation),
   * reporting what was skipped through `warn`. Default: strict, a mismatch is an error.
   */
  lenient?: boolean;
  warn?: (msg: string) => void;
}

/**
 * A model dir's contents: config.json (parsed), model.safetensors, the vocabulary (vocab.txt's text,
 * or tokenizer.json parsed), tokenizer_config.json (parsed), token_weights.safetensors, and what
 * its sentence-transformers files say.
 */
export interface EncoderFiles {
  config: unknown;
  weights: Uint8Array;
  vocab?: string | null;
  /** RoBERTa's vocab.json (text) and merges.txt. */
  vocabJson?: string | null;
  merges?: string | null;
  tokenizerJson?: unknown;
  tokenizerConfig?: unknown;
  tokenWeights?: Uint8Array | null;
  sentenceTransformers?: SentenceTransformersSettings | null;
}

const maybeText = async (path: string): Promise<string | null> => ((await fileExists(path)) ? readText(path) : null);
const maybeJson = async (path: string): Promise<unknown> => {
  const t = await maybeText(path);
  return t === null ? undefined : parseJson(t, path);
};

export async function loadEncoder(dir: string, opts: LoadOptions = {}): Promise<SentenceEncoder> {
  // A sentence-transformers dir says where its Transformer is; any other dir is one.
  const modulesJson = await maybeJson(joinPath(dir, ST_MODULES_FILE));
  const modules = modulesJson === undefined ? null : parseModules(modulesJson, joinPath(dir, ST_MODULES_FILE));
  const tdir = modules?.transformer ? joinPath(dir, modules.transformer) : dir;
  // Files named relative to the dir, as the user knows it.
  const rel = (f: string) => (modules?.transformer ? joinPath(modules.transformer, f) : f);
  const expected =
    'expected a dir with config.json, model.safetensors and vocab.txt, vocab.json + merges.txt or tokenizer.json';
  for (const f of ['config.json', 'model.safetensors']) {
    if (!(await fileExists(joinPath(tdir, f)))) {
      const bin = f === 'model.safetensors' && (await fileExists(joinPath(tdir, 'pytorch_model.bin')));
      throw new Error(
        `--model ${dir}: missing ${rel(f)} (${bin ? 'pytorch_model.bin is not read: save the weights as safetensors' : expected})`,
      );
    }
  }
  const [vocab, tokenizerJson, vocabJson, merges] = await Promise.all([
    maybeText(joinPath(tdir, 'vocab.txt')),
    fileExists(joinPath(tdir, 'vocab.txt')).then((has) =>
      has ? undefined : maybeJson(joinPath(tdir, 'tokenizer.json')),
    ),
    maybeText(joinPath(tdir, 'vocab.json')),
    maybeText(joinPath(tdir, 'merges.txt')),
  ]);
  if (vocab === null && tokenizerJson === undefined && (vocabJson === null || merges === null))
    throw new Error(`--model ${dir}: missing ${rel('vocab.txt')} (${expected})`);
  await init();
  const tw = joinPath(dir, TOKEN_WEIGHTS_FILE);
  const config = parseJson(await readText(joinPath(tdir, 'config.json')), joinPath(tdir, 'config.json'));
  const [weights, tokenizerConfig, tokenWeights, sentenceTransformers] = await Promise.all([
    readBytes(joinPath(tdir, 'model.safetensors')),
    maybeJson(joinPath(tdir, 'tokenizer_config.json')),
    fileExists(tw).then((has) => (has ? readBytes(tw) : null)),
    modules ? readSentenceTransformers(dir, tdir, modules) : null,
  ]);
  const enc = encoderFromFiles(
    { config, weights, vocab, vocabJson, merges, tokenizerJson, tokenizerConfig, tokenWeights, sentenceTransformers },
    opts,
    tdir,
  );
  // Checked once the model is built: a config.json that disagrees with the weights is named first.
  const dim = sentenceTransformers?.wordEmbeddingDimension;
  if (dim !== undefined && dim !== enc.hidden) {
    enc.bert.dispose();
    const source = joinPath(joinPath(dir, modules?.pooling ?? ''), 'config.json');
    throw new Error(`${source}: word_embedding_dimension must equal the model's hidden_size ${enc.hidden}, got ${dim}`);
  }
  return enc;
}

/** The settings in a sentence-transformers dir's Pooling config and sentence_bert_config.json. */
async function readSentenceTransformers(
  dir: string,
  tdir: string,
  modules: StModules,
): Promise<SentenceTransformersSettings> {
  const configOf = (sub: string | null) => (sub === null ? null : joinPath(joinPath(dir, sub), 'config.json'));
  const poolingSource = configOf(modules.pooling);
  const wwSource = configOf(modules.wordWeights);
  const readJson = (path: string | null) =>
    path === null ? undefined : readText(path).then((t) => parseJson(t, path));
  const [poolingJson, wwJson, bertJson] = await Promise.all([
    readJson(poolingSource),
    readJson(wwSource),
    maybeJson(joinPath(tdir, ST_BERT_CONFIG_FILE)),
  ]);
  const bert = bertJson === undefined ? {} : parseSentenceBertConfig(bertJson, joinPath(tdir, ST_BERT_CONFIG_FILE));
  // word_embedding_dimension is checked against the built model (loadEncoder).
  const mode = poolingSource === null ? undefined : parsePoolingConfig(poolingJson, null, poolingSource);
  const dim = (poolingJson as { word_embedding_dimension?: number } | undefined)?.word_embedding_dimension;
  const common = { ...bert, normalize: modules.normalize, wordEmbeddingDimension: dim };
  if (wwSource === null) return { ...common, pooling: mode };
  // WordWeights then a mean is SIF's weighted mean; CLS ignores the weights; a weighted max is not ours.
  const tokenWeights = parseWordWeights(wwJson, wwSource);
  if (mode === 'max')
    throw new Error(`${poolingSource}: max pooling after WordWeights (${wwSource}) is not supported (mean or cls)`);
  return { ...common, pooling: mode === 'mean' ? 'sif' : mode, tokenWeights };
}

/** loadEncoder on the files' contents (after init()); `dir` names them in errors. */
export function encoderFromFiles(files: EncoderFiles, opts: LoadOptions = {}, dir = '<files>'): SentenceEncoder {
  const st = files.sentenceTransformers ?? null;
  const { model, tokenizer, load } =
    (files.config as { model_type?: unknown } | null)?.model_type === 'roberta'
      ? robertaFromFiles(files, st, opts, dir)
      : bertFromFiles(files, st, opts, dir);
  try {
    if (opts.lenient) reportLenient(dir, load, opts.warn);
    const own = (files.config as { jepa?: { pooling?: Pooling; maxTokens?: number } }).jepa;
    // Ours (config.json's jepa) is the richer record (it can say sif); then sentence-transformers';
    // else CLS (the last hidden state at [CLS], not the HF pooler).
    const pooling = opts.pooling ?? own?.pooling ?? st?.pooling ?? 'cls';
    const maxTokens = opts.maxTokens ?? own?.maxTokens ?? st?.maxSeqLength ?? 128;
    // Our token_weights.safetensors first, else a sentence-transformers WordWeights module's.
    const weights = files.tokenWeights
      ? tokenWeightsFromBytes(files.tokenWeights, tokenizer.vocabSize, joinPath(dir, TOKEN_WEIGHTS_FILE))
      : (st?.tokenWeights ?? null);
    if (!files.tokenWeights && st?.tokenWeights && st.tokenWeights.length !== tokenizer.vocabSize) {
      throw new Error(
        `--model ${dir}: the WordWeights module's vocab has ${st.tokenWeights.length} tokens, the tokenizer ${tokenizer.vocabSize}`,
      );
    }
    if (pooling === 'sif' && !weights) {
      throw new Error(
        `--model ${dir}: pooling "sif" needs ${TOKEN_WEIGHTS_FILE} (written by pnpm train --pooling sif) or a WordWeights module`,
      );
    }
    const normalize = opts.normalize ?? st?.normalize ?? false;
    return new SentenceEncoder(model.eval(), tokenizer, pooling, maxTokens, weights, normalize);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function bertFromFiles(files: EncoderFiles, st: SentenceTransformersSettings | null, opts: LoadOptions, dir: string) {
  const tokenizer = buildTokenizer(files, st, dir);
  const { model, load } = BertModel.fromBytes(
    // fromBytes builds its own (uncased) tokenizer from the text; ours above carries the options.
    { config: files.config, weights: files.weights, vocab: tokenizer.vocabText() },
    { strict: !opts.lenient },
    {
      config: joinPath(dir, 'config.json'),
      weights: joinPath(dir, 'model.safetensors'),
    },
  );
  return { model, tokenizer, load };
}

function robertaFromFiles(
  files: EncoderFiles,
  st: SentenceTransformersSettings | null,
  opts: LoadOptions,
  dir: string,
) {
  if (st?.doLowerCase) {
    throw new Error(`--model ${dir}: do_lower_case is not supported for a RoBERTa model (its BPE is cased)`);
  }
  const { model, tokenizer, load } = RobertaModel.fromBytes(
    {
      config: files.config,
      weights: files.weights,
      vocab: files.vocabJson,
      merges: files.merges,
      tokenizerJson: files.tokenizerJson,
      tokenizerConfig: files.tokenizerConfig,
    },
    { strict: !opts.lenient },
    dir,
  );
  // The sentence encoder reads only encodeBatch and vocabSize from its tokenizer (the same shapes as
  // BertTokenizer's); training from a RoBERTa dir (MLM masking, vocab export) is not supported.
  return { model, tokenizer: tokenizer as unknown as BertTokenizer, load };
}

/** vocab.txt with tokenizer_config.json's settings, else tokenizer.json; sentence-transformers' do_lower_case on top. */
function buildTokenizer(files: EncoderFiles, st: SentenceTransformersSettings | null, dir: string): BertTokenizer {
  let tokenizer: BertTokenizer;
  if (typeof files.vocab === 'string') {
    const options: BertTokenizerOptions =
      files.tokenizerConfig === undefined || files.tokenizerConfig === null
        ? {}
        : tokenizerOptionsFromConfig(files.tokenizerConfig, joinPath(dir, 'tokenizer_config.json'));
    tokenizer = wrap(() => BertTokenizer.fromVocabText(files.vocab as string, options), joinPath(dir, 'vocab.txt'));
  } else if (files.tokenizerJson !== undefined && files.tokenizerJson !== null) {
    tokenizer = tokenizerFromJson(files.tokenizerJson, joinPath(dir, 'tokenizer.json'));
  } else {
    throw new Error(`--model ${dir}: no vocabulary (vocab.txt or tokenizer.json)`);
  }
  // sentence-transformers lowercases the text itself; accents stay as the tokenizer decided.
  if (st?.doLowerCase && !tokenizer.options.lowercase) {
    tokenizer = new BertTokenizer(
      Array.from({ length: tokenizer.vocabSize }, (_, i) => tokenizer.idToToken(i)),
      { ...tokenizer.options, lowercase: true },
    );
  }
  return tokenizer;
}

function wrap<T>(f: () => T, source: string): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
}

/** What a lenient load skipped, said out loud (nothing when everything matched). */
export function reportLenient(
  dir: string,
  load: { missing: string[]; unexpected: string[]; mismatched: string[] },
  warn = (m: string) => console.warn(m),
): void {
  if (load.missing.length || load.unexpected.length || load.mismatched.length) {
    warn(
      `warning: lenient load of ${dir} skipped: ${describeLoad(load)} (skipped weights keep their random initialisation)`,
    );
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`--model: ${path}: invalid JSON (${(e as Error).message})`);
  }
}
