// BertModel with Hugging Face's parameter names (embeddings.*, encoder.layer.N.*, pooler.*), so a
// HF BertModel / BertForMaskedLM safetensors file loads directly and our checkpoints load in HF.
import { joinPath, readBytes, readText } from '#files';
import { cast, slice, squeeze, tanh, type Tensor } from '@jepa/tensor';
import { Linear } from '../layers/linear.ts';
import { Module, type LoadStateDictOptions, type LoadStateDictResult } from '../module.ts';
import { readSafetensors } from '../safetensors/index.ts';
import type { TensorLike } from '../state.ts';
import { BertTokenizer } from '../tokenizer/index.ts';
import { bertConfig, parseBertConfig, type BertConfig, type BertPreset } from './config.ts';
import { BertEmbeddings } from './embeddings.ts';
import { loadCheckpointInto, normaliseHfNames } from './hf.ts';
import { BertEncoder } from './layer.ts';

export interface BertOutput {
  /** Final token states [B, T, H]. */
  lastHidden: Tensor;
  /** tanh(dense([CLS])) [B, H], when the model has a pooler. */
  pooled?: Tensor;
}

export interface BertModelOptions {
  /** Build the pooler (HF add_pooling_layer; default true). */
  pooler?: boolean;
}

/** What a load may change in a checkpoint's config.json: the dropout rates (e.g. for fine-tuning). */
export type BertConfigOverrides = Partial<Pick<BertConfig, 'hidden_dropout_prob' | 'attention_probs_dropout_prob'>>;

export interface BertLoadOptions extends BertModelOptions, LoadStateDictOptions {
  /** Replace these config.json fields before the model is built (validated as the file's own). */
  configOverrides?: BertConfigOverrides;
}

/** pooled = tanh(dense(h[:, 0])) (HF BertPooler). */
export class BertPooler extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = this.registerModule(
      'dense',
      new Linear(config.hidden_size, config.hidden_size, { std: config.initializer_range }),
    );
  }

  forward(lastHidden: Tensor): Tensor {
    return tanh(this.dense.forward(squeeze(slice(lastHidden, 1, 0, 1), 1)));
  }
}

export class BertModel extends Module {
  readonly config: BertConfig;
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | undefined;

  /** A config or preset name; weights are BERT-initialised from the global seed (see manualSeed). */
  constructor(config: BertConfig | BertPreset, opts: BertModelOptions = {}) {
    super();
    this.config = typeof config === 'string' ? bertConfig(config) : parseBertConfig(config);
    this.embeddings = this.registerModule('embeddings', new BertEmbeddings(this.config));
    this.encoder = this.registerModule('encoder', new BertEncoder(this.config));
    this.pooler = (opts.pooler ?? true) ? this.registerModule('pooler', new BertPooler(this.config)) : undefined;
  }

  /**
   * ids i32 [B, T]; attentionMask [B, T] (f32 or i32, 1 = token, 0 = padding; omitted = all
   * tokens); tokenTypeIds i32 [B, T] (omitted = 0).
   */
  forward(ids: Tensor, attentionMask?: Tensor, tokenTypeIds?: Tensor): BertOutput {
    if (ids.rank !== 2 || ids.dtype !== 'i32')
      throw new Error(`BertModel: ids must be i32 [B, T], got ${ids.dtype}[${ids.shape.join(', ')}]`);
    for (const [what, t] of [
      ['attentionMask', attentionMask],
      ['tokenTypeIds', tokenTypeIds],
    ] as const) {
      if (t && (t.rank !== 2 || t.shape[0] !== ids.shape[0] || t.shape[1] !== ids.shape[1])) {
        throw new Error(`BertModel: ${what} must be [${ids.shape.join(', ')}] like ids, got [${t.shape.join(', ')}]`);
      }
    }
    // The f32 copy of an i32 mask is left to the caller's tidy(): attention's backward reads it.
    const keyMask = attentionMask && attentionMask.dtype !== 'f32' ? cast(attentionMask, 'f32') : attentionMask;
    const lastHidden = this.encoder.forward(this.embeddings.forward(ids, tokenTypeIds), keyMask);
    return this.pooler ? { lastHidden, pooled: this.pooler.forward(lastHidden) } : { lastHidden };
  }

  /**
   * Also accepts HF task-model files: a "bert." prefix is stripped; HF extras (the
   * embeddings.position_ids buffer, cls.* heads, other heads) are ignored in strict mode and
   * listed as unexpected otherwise.
   */
  override loadStateDict(state: ReadonlyMap<string, TensorLike>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const isExtra = (n: string) =>
      n === 'embeddings.position_ids' || n.startsWith('cls.') || (!this.pooler && n.startsWith('pooler.'));
    const { state: own, ignored } = normaliseHfNames(state, 'bert.', isExtra);
    const res = super.loadStateDict(own, opts);
    return { ...res, unexpected: [...res.unexpected, ...ignored] };
  }

  /**
   * Load a Hugging Face BERT directory (a URL in a browser): config.json, model.safetensors
   * (F32/F16/BF16) and vocab.txt. Strict by default: every weight the config implies must be in the
   * file with its shape and a float dtype, and nothing else but known HF extras (see
   * loadStateDict); a file without pooler weights builds a model without a pooler. `strict: false`
   * loads what matches and reports the rest in `load` (describeLoad).
   */
  static async fromPretrained(
    dir: string,
    opts: BertLoadOptions = {},
  ): Promise<{ model: BertModel; tokenizer: BertTokenizer; load: LoadStateDictResult }> {
    const configPath = joinPath(dir, 'config.json');
    let config: unknown;
    try {
      config = JSON.parse(await readText(configPath));
    } catch (e) {
      throw new Error(`BertModel.fromPretrained: cannot read ${configPath}: ${(e as Error).message}`);
    }
    const weightsPath = joinPath(dir, 'model.safetensors');
    const [weights, vocab] = await Promise.all([readBytes(weightsPath), readText(joinPath(dir, 'vocab.txt'))]);
    return BertModel.fromBytes({ config, weights, vocab }, opts, { config: configPath, weights: weightsPath });
  }

  /**
   * The same from the files' contents: config.json (parsed), model.safetensors bytes, vocab.txt
   * text. `names` label the files in errors.
   */
  static fromBytes(
    files: { config: unknown; weights: Uint8Array; vocab: string },
    opts: BertLoadOptions = {},
    names = { config: 'config.json', weights: 'model.safetensors' },
  ): { model: BertModel; tokenizer: BertTokenizer; load: LoadStateDictResult } {
    const raw =
      opts.configOverrides && typeof files.config === 'object' && files.config !== null && !Array.isArray(files.config)
        ? { ...files.config, ...opts.configOverrides }
        : files.config;
    const config = parseBertConfig(
      raw,
      opts.configOverrides ? `${names.config} with overrides ${JSON.stringify(opts.configOverrides)}` : names.config,
    );
    const file = readSafetensors(files.weights, names.weights);
    const tokenizer = BertTokenizer.fromVocabText(files.vocab);
    if (tokenizer.vocabSize > config.vocab_size) {
      throw new Error(
        `BertModel.fromPretrained: vocab.txt has ${tokenizer.vocabSize} tokens > vocab_size ${config.vocab_size}`,
      );
    }
    const { model, load } = loadCheckpointInto(
      'BertModel.fromPretrained',
      file,
      names,
      'bert.',
      (pooler) => new BertModel(config, { ...opts, pooler }),
      opts,
    );
    return { model, tokenizer, load };
  }
}
