// The training options, declared once: each option's kind (what it accepts), its default (the
// default recipe: the encoder `pnpm train` trains with no flags), its --help group and a one-line
// description. The TrainConfig type, DEFAULTS, the CLI parser, --help and validation all come from
// this table, so they cannot drift apart.
import { DEFAULT_MAX_TOKENS, POOLINGS } from '../model/encoder.ts';

type ValueKind = 'int' | 'pos' | 'num' | 'num?' | 'bool' | 'str' | 'str?' | 'ints' | 'words';
/** What an option accepts: a value kind, or a list of the allowed words. */
export type OptionKind = ValueKind | readonly string[];

/** The value an option of kind `K` holds. */
export type OptionValue<K extends OptionKind> = K extends readonly (infer W)[]
  ? W
  : K extends 'int' | 'pos' | 'num'
    ? number
    : K extends 'num?'
      ? number | null
      : K extends 'bool'
        ? boolean
        : K extends 'str'
          ? string
          : K extends 'str?'
            ? string | null
            : K extends 'ints'
              ? number[]
              : K extends 'words'
                ? string[]
                : never;

/** Where --help lists an option. */
export const OPTION_GROUPS = ['data', 'model', 'objective', 'optimiser', 'evaluation', 'run'] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

export interface OptionSpecEntry<K extends OptionKind = OptionKind> {
  kind: K;
  default: OptionValue<K>;
  group: OptionGroup;
  /** One line for --help. */
  help: string;
  /** How --help shows the default, where its value alone does not say it (null, [], derived). */
  shown?: string;
}

/** One table row; the `const` parameter keeps word lists literal and checks the default against the kind. */
function opt<const K extends OptionKind>(
  kind: K,
  dflt: OptionValue<K>,
  group: OptionGroup,
  help: string,
  shown?: string,
): OptionSpecEntry<K> {
  return { kind, default: dflt, group, help, ...(shown === undefined ? {} : { shown }) };
}

const VIEWS = 'jepa views:';

/** Every training option (in the order a run's train-config.json lists them). */
export const OPTION_TABLE = {
  preset: opt(
    ['tiny', 'mini', 'small', 'base'],
    'tiny',
    'model',
    'model size built from scratch (with --init the model dir sets it)',
  ),
  /** A Hugging Face BERT dir (config.json, model.safetensors, vocab.txt) to start from. */
  init: opt(
    'str?',
    null,
    'model',
    'start from a Hugging Face BERT dir (config.json, model.safetensors, vocab.txt)',
    'none, from scratch',
  ),
  lenientLoad: opt(
    'bool',
    false,
    'model',
    'with --init: load the weights that match and list what was skipped (else a mismatch is an error)',
  ),
  /** Input-embedding init from scratch (see model/init.ts); `bert` whenever `init` is set. */
  embeddingInit: opt(
    ['bert', 'words', 'ppmi'],
    'ppmi',
    'model',
    "input embeddings from scratch: BERT's random init, words, or PPMI-SVD of the pool",
    'ppmi; bert with --init',
  ),
  objective: opt(
    ['jepa', 'jepa-ema', 'mlm', 'simcse', 'tsdae', 'pairs'],
    'jepa',
    'objective',
    'what trains the encoder (jepa: VICReg between two views of each sentence; pairs: labelled pairs)',
  ),
  loss: opt(
    ['official', 'seed'],
    'official',
    'objective',
    "VICReg's formula: the VICReg paper's (official) or the seed paper's",
  ),
  steps: opt('pos', 2000, 'optimiser', 'optimiser steps: the length of the schedule'),
  batchSize: opt('pos', 32, 'data', 'sentences per step'),
  maxTokens: opt('pos', DEFAULT_MAX_TOKENS, 'data', 'tokens kept per sentence, [CLS] and [SEP] included'),
  lr: opt('num', 5e-4, 'optimiser', 'peak learning rate (AdamW)'),
  schedule: opt(['constant', 'linear', 'cosine'], 'linear', 'optimiser', 'learning-rate decay after the warmup'),
  /** Unless set, 10% of `steps`. */
  warmup: opt('int', 200, 'optimiser', 'linear warmup steps', '10% of --steps, 200'),
  weightDecay: opt('num', 0.01, 'optimiser', 'AdamW weight decay (matrices only, not biases or norm scales)'),
  /** Multiplies the learning rate of the word-embedding table (0 freezes it). */
  embLrScale: opt('num', 1, 'optimiser', 'learning-rate multiplier of the word-embedding table (0 freezes it)'),
  /** Multiplies the learning rate of the Transformer layers (0 freezes them). */
  layerLrScale: opt('num', 0, 'optimiser', 'learning-rate multiplier of the Transformer layers (0 freezes them)'),
  /** Trains a per-token scale on the `sif` pooling weights at this lr multiplier (model/word-scale.ts). */
  sifLrScale: opt(
    'num',
    0,
    'optimiser',
    "learning-rate multiplier of a learnt per-token scale on sif pooling's word weights (0: the counted weights stay)",
  ),
  clip: opt('num', 1, 'optimiser', 'clip the global gradient norm to this (0: no clipping)'),
  /** Expander hidden/output dims after the encoder width; [] = derive (4× hidden, three layers). */
  expander: opt(
    'ints',
    [],
    'objective',
    'jepa: expander dims after the encoder, e.g. 512,512',
    'three layers of 4× the hidden size',
  ),
  expanderFinalBias: opt('bool', true, 'objective', "jepa: a bias on the expander's last layer"),
  /** `sif`: mean weighted by a/(a + p(token)) from the training pool (see model/sif.ts). */
  pooling: opt(
    POOLINGS,
    'sif',
    'model',
    "sentence vector from the token states (sif: a mean weighted by the pool's word frequencies)",
  ),
  lambda: opt('num', 10, 'objective', 'VICReg invariance weight'),
  mu: opt('num', 25, 'objective', 'VICReg variance weight'),
  nu: opt('num', 1, 'objective', 'VICReg covariance weight'),
  cropBoth: opt('bool', false, 'objective', `${VIEWS} two independent crops of each sentence`),
  /** JEPA views: the words outside the crop against the crop (disjoint views; exclusive with cropBoth). */
  cropRest: opt(
    'bool',
    true,
    'objective',
    `${VIEWS} a crop against the rest of the sentence (both off: a crop against the whole)`,
    'true; false with --crop-both',
  ),
  /** JEPA's second view, a kind drawn per sentence from this list (views/mixed.ts); ['crop'] is the crop views above. */
  views: opt(
    'words',
    ['crop'],
    'objective',
    `${VIEWS} kinds of second view, one drawn per sentence: crop, synonym, hypernym, hyponym, antonym (WordNet swaps), mask, noise`,
  ),
  /** Share of the candidate words a swap, mask or noise view changes (at least one while > 0). */
  viewRate: opt(
    'num',
    0.15,
    'objective',
    `${VIEWS} share of the candidate words a swap, mask or noise view changes (at least one)`,
  ),
  temperature: opt('num', 0.05, 'objective', 'simcse: softmax temperature'),
  maskRate: opt('num', 0.15, 'objective', 'mlm (objective or --aux): share of tokens masked'),
  /** TSDAE: share of each sentence's words deleted. */
  deleteRatio: opt('num', 0.6, 'objective', "tsdae (objective or --aux): share of each sentence's words deleted"),
  decoderTie: opt(['all', 'embeddings'], 'all', 'objective', 'tsdae: what the decoder shares with the encoder'),
  /** A loss added to JEPA's VICReg loss: loss = VICReg + auxWeight · aux (a pretext task on the same
   *  batch, the labelled pairs' ranking loss on a batch of pairs, or a head predicting the view's kind). */
  aux: opt(
    ['none', 'mlm', 'tsdae', 'pairs', 'transform'],
    'none',
    'objective',
    "jepa: a loss added to VICReg's (mlm, tsdae: on the same batch; pairs: on a batch of labelled pairs; transform: which --views kind made the view)",
  ),
  auxWeight: opt('num', 1, 'objective', 'jepa: weight of the --aux loss'),
  /** MultipleNegativesRankingLoss's scale: cosine similarities × this are the logits (1/temperature). */
  pairsScale: opt('num', 20, 'objective', 'pairs (objective or --aux): cosine similarity × this are the logits'),
  /** Labelled pairs, `title1 \t title2` a line; null: the shipped AskUbuntu pairs. */
  pairsFile: opt(
    'str?',
    null,
    'data',
    'pairs (objective or --aux): labelled pairs, title1 TAB title2 a line',
    'the shipped AskUbuntu pairs',
  ),
  /** Train on the first K pairs of a fixed shuffle (seed PAIRS_SHUFFLE_SEED, not the run's): K=100 ⊂ K=300. */
  pairsLimit: opt(
    'int',
    0,
    'data',
    'pairs (objective or --aux): only the first N of a fixed shuffle of the pairs (0: all)',
  ),
  emaMomentum: opt('num', 0.996, 'objective', "jepa-ema: the target's EMA momentum at the start"),
  emaMomentumEnd: opt('num', 1, 'objective', "jepa-ema: the target's EMA momentum at the end"),
  emaSchedule: opt(
    ['constant', 'linear', 'cosine'],
    'linear',
    'objective',
    'jepa-ema: how the momentum goes from start to end',
  ),
  emaLoss: opt(['vicreg', 'mse'], 'vicreg', 'objective', 'jepa-ema: the loss between prediction and target'),
  predictor: opt('ints', [], 'objective', 'jepa-ema: predictor hidden dims', '4× the hidden size'),
  dropout: opt(
    'num?',
    null,
    'model',
    'hidden dropout (attention dropout is 0 from scratch)',
    "the model's own, BERT's 0.1",
  ),
  seed: opt('int', 1, 'run', 'seed of the init, the data order, the views and dropout'),
  evalEvery: opt('int', 100, 'evaluation', 'evaluate on the dev set every N steps (0: only at the end)'),
  /** Queries of the dev set used by periodic evaluations (0 = all); the final one uses all. */
  evalQueries: opt('int', 200, 'evaluation', 'dev queries a periodic evaluation uses (0: all); the final one uses all'),
  evalFile: opt(
    'str?',
    null,
    'evaluation',
    'dev set, rerank JSONL (query, positive, negative)',
    'the shipped AskUbuntu dev set',
  ),
  trainFile: opt('str?', null, 'data', 'training pool, one sentence a line', 'the shipped AskUbuntu titles'),
  out: opt('str', 'runs/default', 'run', 'run dir: checkpoint, model, metrics.jsonl, report.html'),
  resume: opt(
    'str?',
    null,
    'run',
    "continue the run in this dir with the run's own settings (only --steps may extend it)",
  ),
  /** Train into an `out` dir that already holds a run, replacing it. */
  overwrite: opt('bool', false, 'run', 'replace a run already in --out'),
  logEvery: opt('pos', 10, 'run', 'a metrics record (and, off a terminal, a progress line) every N steps'),
  collapseStd: opt(
    'num',
    0.01,
    'evaluation',
    "warn of collapse when the embeddings' mean per-dimension std falls below this",
  ),
} as const;

type Table = typeof OPTION_TABLE;
export type OptionName = keyof Table;

/** A run's settings: one field per option, typed by the option's kind. */
export type TrainConfig = { -readonly [K in OptionName]: OptionValue<Table[K]['kind']> };

export type Objective = TrainConfig['objective'];
/** An auxiliary loss (a pretext task, or the labelled pairs) added to JEPA's VICReg loss on the same batch. */
export type Aux = TrainConfig['aux'];
export type Schedule = TrainConfig['schedule'];

export const OPTION_NAMES = Object.keys(OPTION_TABLE) as OptionName[];

/** The default recipe, resolved: what plain `pnpm train` runs. */
export const DEFAULTS: Readonly<TrainConfig> = Object.fromEntries(
  OPTION_NAMES.map((k) => [k, OPTION_TABLE[k].default]),
) as unknown as TrainConfig;

/** Every config field with what it accepts (the `pnpm train` options are these). */
export const CONFIG_FIELDS: Readonly<Record<OptionName, OptionKind>> = Object.fromEntries(
  OPTION_NAMES.map((k) => [k, OPTION_TABLE[k].kind]),
) as Record<OptionName, OptionKind>;

/** A config field as a command-line flag: batchSize -> --batch-size. */
export function flagName(field: string): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
