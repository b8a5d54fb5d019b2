// Named recipes: whole configurations, each a set of options over the defaults (the default recipe,
// which trains the recommended encoder). `pnpm train --recipe NAME`; flags and --config override it.
import { ConfigError } from './coerce.ts';
import { closest } from './did-you-mean.ts';
import type { TrainConfig } from './options.ts';

export interface Recipe {
  /** One line for --help. */
  about: string;
  config: Partial<TrainConfig>;
}

export const RECIPE_TABLE = {
  // From scratch on 34k titles and 2 cores (README "Results" has the measurements): SIF pooling; the
  // word table from PPMI-SVD of the pool, trained at the base lr while the Transformer layers stay
  // at their init (trained, they undo what the table learns); VICReg's λ 10; disjoint views.
  default: {
    about:
      'the recommended encoder: tiny BERT from scratch, PPMI word table trained, layers frozen, SIF pooling, 2000 steps',
    config: {},
  },
  seed: {
    about: "the seed paper's: bert-base from --init DIR (required), CLS pooling, batch 8, constant lr 3e-5, 20k steps",
    config: {
      preset: 'base',
      embeddingInit: 'bert',
      objective: 'jepa',
      loss: 'seed',
      pooling: 'cls',
      expander: [1536, 1536, 1536],
      batchSize: 8,
      lr: 3e-5,
      weightDecay: 0,
      schedule: 'constant',
      warmup: 0,
      clip: 1.0,
      steps: 20000,
      evalEvery: 1000,
      evalQueries: 0,
      maxTokens: 128,
      lambda: 25,
      embLrScale: 1,
      layerLrScale: 1,
      cropRest: false,
    },
  },
  bert: {
    about:
      "a plain BERT from scratch: BERT's init, CLS pooling, every weight trains, λ 25, a crop against the whole sentence, 300 steps",
    config: {
      embeddingInit: 'bert',
      pooling: 'cls',
      lambda: 25,
      layerLrScale: 1,
      embLrScale: 1,
      cropRest: false,
      steps: 300,
    },
  },
} satisfies Record<string, Recipe>;

export type RecipeName = keyof typeof RECIPE_TABLE;
export const RECIPE_NAMES = Object.keys(RECIPE_TABLE) as RecipeName[];

/** Each recipe's options (`resolveConfig(RECIPES.seed, flags)`). */
export const RECIPES: Readonly<Record<RecipeName, Partial<TrainConfig>>> = Object.fromEntries(
  RECIPE_NAMES.map((k) => [k, RECIPE_TABLE[k].config]),
) as Record<RecipeName, Partial<TrainConfig>>;

/** The options of the recipe called `name`; an unknown name is an error with a "did you mean". */
export function recipe(name: string): Partial<TrainConfig> {
  if (Object.hasOwn(RECIPE_TABLE, name)) return RECIPES[name as RecipeName];
  const near = closest(name, RECIPE_NAMES);
  throw new ConfigError(
    `--recipe: unknown recipe "${name}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${RECIPE_NAMES.join(', ')}`,
  );
}
