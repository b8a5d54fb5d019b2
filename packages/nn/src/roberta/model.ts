// RobertaModel with Hugging Face's parameter names (embeddings.*, encoder.layer.N.*, pooler.*): BERT's
// encoder layers and pooler as they are, RoBERTa's embeddings (position ids counted from the padding
// index over non-pad tokens, one token type). A HF RobertaModel / RobertaForMaskedLM / sentence-
// transformers RoBERTa safetensors file loads directly; the tokenizer is byte-level BPE.
import { joinPath, readBytes, readText, fileExists } from '#files';
import { cast, type Tensor } from '@jepa/tensor';
import type { BertOutput, BertModelOptions, BertLoadOptions } from '../bert/model.ts';
import { BertPooler } from '../bert/model.ts';
import { loadCheckpointInto, normaliseHfNames } from '../bert/hf.ts';
import { BertEncoder } from '../bert/layer.ts';
import { Module, type LoadStateDictOptions, type LoadStateDictResult } from '../module.ts';
import { readSafetensors } from '../safetensors/index.ts';
import type { TensorLike } from '../state.ts';
import { BpeTokenizer } from '../tokenizer/bpe.ts';
import { parseRobertaConfig, robertaConfig, type RobertaConfig, type RobertaPreset } from './config.ts';
import { RobertaEmbeddings } from './embeddings.ts';

/** A RoBERTa dir's tokenizer files: vocab.json + merges.txt, or tokenizer.json; tokenizer_config.json if any. */
export interface RobertaTokenizerFiles {
  /** vocab.json's text or parsed object. */
  vocab?: string | object | null;
  /** merges.txt's text. */
  merges?: string | null;
  /** tokenizer.json (text or parsed), used when vocab.json + merges.txt are absent. */
  tokenizerJson?: unknown;
  /** tokenizer_config.json (parsed): its add_prefix_space is honoured. */
  tokenizerConfig?: unknown;
}

export interface RobertaFiles extends RobertaTokenizerFiles {
  /** config.json, parsed. */
  config: unknown;
  /** model.safetensors. */
  weights: Uint8Array;
}

export interface RobertaPretrained {
  model: RobertaModel;
  tokenizer: BpeTokenizer;
  load: LoadStateDictResult;
}

/** The byte-level BPE tokenizer of a RoBERTa dir's files (errors name `dir`'s files). */
export function robertaTokenizerFromFiles(files: RobertaTokenizerFiles, dir = '<files>'): BpeTokenizer {
  const cfg = files.tokenizerConfig as { add_prefix_space?: unknown } | undefined | null;
  const addPrefixSpace = typeof cfg?.add_prefix_space === 'boolean' ? cfg.add_prefix_space : undefined;
  if (files.vocab != null && files.merges != null) {
    try {
      return BpeTokenizer.fromFiles(files.vocab, files.merges, { addPrefixSpace, source: joinPath(dir, 'vocab.json') });
    } catch (e) {
      const msg = (e as Error).message.replace(/^vocab\.json: /, `${joinPath(dir, 'vocab.json')}: `);
      throw new Error(msg.replace(/^merges\.txt: /, `${joinPath(dir, 'merges.txt')}: `));
    }
  }
  if (files.tokenizerJson != null) {
    const opts = {
      source: joinPath(dir, 'tokenizer.json'),
      ...(addPrefixSpace === undefined ? {} : { addPrefixSpace }),
    };
    return BpeTokenizer.fromTokenizerJson(files.tokenizerJson as string | object, opts);
  }
  throw new Error(`${dir}: no tokenizer files (expected vocab.json + merges.txt, or tokenizer.json)`);
}

export class RobertaModel extends Module {
  readonly config: RobertaConfig;
  readonly embeddings: RobertaEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | undefined;

  /** A config or preset name; weights are BERT-initialised from the global seed (see manualSeed). */
  constructor(config: RobertaConfig | RobertaPreset, opts: BertModelOptions = {}) {
    super();
    this.config = typeof config === 'string' ? robertaConfig(config) : parseRobertaConfig(config);
    this.embeddings = this.registerModule('embeddings', new RobertaEmbeddings(this.config));
    this.encoder = this.registerModule('encoder', new BertEncoder(this.config));
    this.pooler = (opts.pooler ?? true) ? this.registerModule('pooler', new BertPooler(this.config)) : undefined;
  }

  /**
   * ids i32 [B, T]; attentionMask [B, T] (f32 or i32, 1 = token, 0 = padding; omitted = all
   * tokens); tokenTypeIds i32 [B, T] (omitted = 0); positionIds i32 [B, T] (omitted = RoBERTa's,
   * from the ids and pad_token_id).
   */
  forward(ids: Tensor, attentionMask?: Tensor, tokenTypeIds?: Tensor, positionIds?: Tensor): BertOutput {
    if (ids.rank !== 2 || ids.dtype !== 'i32')
      throw new Error(`RobertaModel: ids must be i32 [B, T], got ${ids.dtype}[${ids.shape.join(', ')}]`);
    for (const [what, t] of [
      ['attentionMask', attentionMask],
      ['tokenTypeIds', tokenTypeIds],
      ['positionIds', positionIds],
    ] as const) {
      if (t && (t.rank !== 2 || t.shape[0] !== ids.shape[0] || t.shape[1] !== ids.shape[1])) {
        throw new Error(
          `RobertaModel: ${what} must be [${ids.shape.join(', ')}] like ids, got [${t.shape.join(', ')}]`,
        );
      }
    }
    // The f32 copy of an i32 mask is left to the caller's tidy(): attention's backward reads it.
    const keyMask = attentionMask && attentionMask.dtype !== 'f32' ? cast(attentionMask, 'f32') : attentionMask;
    const lastHidden = this.encoder.forward(this.embeddings.forward(ids, tokenTypeIds, positionIds), keyMask);
    return this.pooler ? { lastHidden, pooled: this.pooler.forward(lastHidden) } : { lastHidden };
  }

  /**
   * Also accepts HF task-model files: a "roberta." prefix is stripped; HF extras (the
   * embeddings.position_ids / token_type_ids buffers, lm_head.* and classifier.* heads) are ignored
   * in strict mode and listed as unexpected otherwise.
   */
  override loadStateDict(state: ReadonlyMap<string, TensorLike>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const isExtra = (n: string) =>
      n === 'embeddings.position_ids' ||
      n === 'embeddings.token_type_ids' ||
      n.startsWith('lm_head.') ||
      n.startsWith('classifier.') ||
      (!this.pooler && n.startsWith('pooler.'));
    const { state: own, ignored } = normaliseHfNames(state, 'roberta.', isExtra);
    const res = super.loadStateDict(own, opts);
    return { ...res, unexpected: [...res.unexpected, ...ignored] };
  }

  /**
   * Load a Hugging Face RoBERTa directory (a URL in a browser): config.json (model_type "roberta"),
   * model.safetensors (F32/F16/BF16), and vocab.json + merges.txt or tokenizer.json
   * (tokenizer_config.json's add_prefix_space is honoured). Strict by default, as BertModel's.
   */
  static async fromPretrained(dir: string, opts: BertLoadOptions = {}): Promise<RobertaPretrained> {
    const configPath = joinPath(dir, 'config.json');
    let config: unknown;
    try {
      config = JSON.parse(await readText(configPath));
    } catch (e) {
      throw new Error(`RobertaModel.fromPretrained: cannot read ${configPath}: ${(e as Error).message}`);
    }
    const weightsPath = joinPath(dir, 'model.safetensors');
    const maybe = async (name: string) =>
      (await fileExists(joinPath(dir, name))) ? readText(joinPath(dir, name)) : null;
    const [weights, vocab, merges, tokenizerJson, tokenizerConfig] = await Promise.all([
      readBytes(weightsPath),
      maybe('vocab.json'),
      maybe('merges.txt'),
      maybe('tokenizer.json'),
      maybe('tokenizer_config.json'),
    ]);
    const parse = (text: string | null, name: string): unknown => {
      if (text === null) return null;
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new Error(`RobertaModel.fromPretrained: ${joinPath(dir, name)}: invalid JSON (${(e as Error).message})`);
      }
    };
    return RobertaModel.fromBytes(
      {
        config,
        weights,
        vocab,
        merges,
        tokenizerJson: vocab === null ? parse(tokenizerJson, 'tokenizer.json') : null,
        tokenizerConfig: parse(tokenizerConfig, 'tokenizer_config.json'),
      },
      opts,
      dir,
    );
  }

  /** The same from the files' contents; `dir` names the files in errors. */
  static fromBytes(files: RobertaFiles, opts: BertLoadOptions = {}, dir = '<files>'): RobertaPretrained {
    const names = { config: joinPath(dir, 'config.json'), weights: joinPath(dir, 'model.safetensors') };
    const raw =
      opts.configOverrides && typeof files.config === 'object' && files.config !== null && !Array.isArray(files.config)
        ? { ...files.config, ...opts.configOverrides }
        : files.config;
    const config = parseRobertaConfig(
      raw,
      opts.configOverrides ? `${names.config} with overrides ${JSON.stringify(opts.configOverrides)}` : names.config,
    );
    const tokenizer = robertaTokenizerFromFiles(files, dir);
    if (tokenizer.vocabSize > config.vocab_size) {
      throw new Error(
        `RobertaModel.fromPretrained: the tokenizer has ${tokenizer.vocabSize} ids > vocab_size ${config.vocab_size} in ${names.config}`,
      );
    }
    if (tokenizer.padId !== config.pad_token_id) {
      throw new Error(
        `RobertaModel.fromPretrained: the tokenizer's <pad> is id ${tokenizer.padId} but ${names.config} has pad_token_id ${config.pad_token_id}`,
      );
    }
    const file = readSafetensors(files.weights, names.weights);
    const { model, load } = loadCheckpointInto(
      'RobertaModel.fromPretrained',
      file,
      names,
      'roberta.',
      (pooler) => new RobertaModel(config, { ...opts, pooler }),
      opts,
    );
    return { model, tokenizer, load };
  }
}
