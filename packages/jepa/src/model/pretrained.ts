// An encoder from one of our output dirs or a plain Hugging Face BERT dir (a URL in a browser), or
// from those files' contents.
import { BertModel, describeLoad, fileExists, joinPath, readBytes, readText } from '@jepa/nn';
import { init } from '@jepa/tensor';
import type { Pooling } from '../train/config.ts';
import { SentenceEncoder } from './encoder.ts';
import { TOKEN_WEIGHTS_FILE, tokenWeightsFromBytes } from './sif.ts';

export interface LoadOptions {
  pooling?: Pooling;
  maxTokens?: number;
  /**
   * Load the weights that match and skip the rest (which keep their random initialisation),
   * reporting what was skipped through `warn`. Default: strict, a mismatch is an error.
   */
  lenient?: boolean;
  warn?: (msg: string) => void;
}

/** A model dir's contents: config.json (parsed), model.safetensors, vocab.txt, token_weights.safetensors. */
export interface EncoderFiles {
  config: unknown;
  weights: Uint8Array;
  vocab: string;
  tokenWeights?: Uint8Array | null;
}

export async function loadEncoder(dir: string, opts: LoadOptions = {}): Promise<SentenceEncoder> {
  for (const f of ['config.json', 'model.safetensors', 'vocab.txt']) {
    if (!(await fileExists(joinPath(dir, f))))
      throw new Error(`--model ${dir}: missing ${f} (expected a dir with config.json, model.safetensors, vocab.txt)`);
  }
  await init();
  const tw = joinPath(dir, TOKEN_WEIGHTS_FILE);
  const [config, weights, vocab, tokenWeights] = await Promise.all([
    readText(joinPath(dir, 'config.json')).then((t) => parseJson(t, joinPath(dir, 'config.json'))),
    readBytes(joinPath(dir, 'model.safetensors')),
    readText(joinPath(dir, 'vocab.txt')),
    fileExists(tw).then((has) => (has ? readBytes(tw) : null)),
  ]);
  return encoderFromFiles({ config, weights, vocab, tokenWeights }, opts, dir);
}

/** loadEncoder on the files' contents (after init()); `dir` names them in errors. */
export function encoderFromFiles(files: EncoderFiles, opts: LoadOptions = {}, dir = '<files>'): SentenceEncoder {
  const { model, tokenizer, load } = BertModel.fromBytes(
    files,
    { strict: !opts.lenient },
    {
      config: joinPath(dir, 'config.json'),
      weights: joinPath(dir, 'model.safetensors'),
    },
  );
  if (opts.lenient) reportLenient(dir, load, opts.warn);
  const own = (files.config as { jepa?: { pooling?: Pooling; maxTokens?: number } }).jepa;
  // Pooling defaults to the model's own, else CLS (the last hidden state at [CLS], not the HF pooler).
  const pooling = opts.pooling ?? own?.pooling ?? 'cls';
  const maxTokens = opts.maxTokens ?? own?.maxTokens ?? 128;
  const weights = files.tokenWeights
    ? tokenWeightsFromBytes(files.tokenWeights, tokenizer.vocabSize, joinPath(dir, TOKEN_WEIGHTS_FILE))
    : null;
  if (pooling === 'sif' && !weights) {
    model.dispose();
    throw new Error(`--model ${dir}: pooling "sif" needs ${TOKEN_WEIGHTS_FILE} (written by pnpm train --pooling sif)`);
  }
  return new SentenceEncoder(model.eval(), tokenizer, pooling, maxTokens, weights);
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
