// A run's config from layers (a recipe, a --config file, flags; later wins) over the defaults, with
// every value checked and every error naming the field.
import { ConfigError, coerceOption } from './coerce.ts';
import { closest } from './did-you-mean.ts';
import { VIEW_KINDS } from '../views/kinds.ts';
import { CONFIG_FIELDS, DEFAULTS, OPTION_NAMES, type OptionName, type TrainConfig } from './options.ts';

/**
 * Defaults that follow other options when no layer sets them (the table's default is their value
 * under the other defaults): the warmup is 10% of the run; a model from --init keeps its own
 * embeddings; two crops (cropBoth) replace the crop against the rest.
 */
export const DERIVED_DEFAULTS: { readonly [K in OptionName]?: (c: TrainConfig) => TrainConfig[K] } = {
  warmup: (c) => Math.floor(c.steps / 10),
  embeddingInit: (c) => (c.init ? 'bert' : DEFAULTS.embeddingInit),
  cropRest: (c) => (c.cropBoth ? false : DEFAULTS.cropRest),
};

/** Merge recipe, JSON config and flags over the defaults (later wins), validating every field. */
export function resolveConfig(...layers: Record<string, unknown>[]): TrainConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  const set = new Set<string>();
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (!Object.hasOwn(CONFIG_FIELDS, k)) {
        const near = closest(k, OPTION_NAMES);
        throw new ConfigError(
          `unknown config "${k}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${OPTION_NAMES.join(', ')}`,
        );
      }
      out[k] = coerceOption(`config "${k}"`, CONFIG_FIELDS[k as OptionName], v);
      set.add(k);
    }
  }
  const c = out as unknown as TrainConfig;
  for (const [k, derive] of Object.entries(DERIVED_DEFAULTS) as [OptionName, (c: TrainConfig) => unknown][]) {
    if (!set.has(k)) (out as Record<string, unknown>)[k] = derive(c);
  }
  validate(c);
  return c;
}

/** What no single option's kind can say: ranges and options that exclude each other. */
function validate(c: TrainConfig): void {
  if (c.embLrScale < 0) throw new ConfigError(`config "embLrScale": must be >= 0, got ${c.embLrScale}`);
  if (c.layerLrScale < 0) throw new ConfigError(`config "layerLrScale": must be >= 0, got ${c.layerLrScale}`);
  if (c.sifLrScale < 0) throw new ConfigError(`config "sifLrScale": must be >= 0, got ${c.sifLrScale}`);
  if (c.sifLrScale > 0 && c.pooling !== 'sif')
    throw new ConfigError(`config "sifLrScale": scales sif pooling's word weights, got pooling "${c.pooling}"`);
  if (c.sifLrScale > 0 && c.objective === 'mlm')
    throw new ConfigError('config "sifLrScale": objective mlm does not pool, so the word weights would not train');
  if (c.lr <= 0) throw new ConfigError(`config "lr": must be > 0, got ${c.lr}`);
  if (c.warmup > c.steps) throw new ConfigError(`config "warmup": ${c.warmup} exceeds steps ${c.steps}`);
  if ((c.objective === 'jepa' || c.objective === 'jepa-ema') && c.batchSize < 2)
    throw new ConfigError(`config "batchSize": objective ${c.objective} needs at least 2 (batch statistics)`);
  if ((c.objective === 'pairs' || c.aux === 'pairs') && c.batchSize < 2)
    throw new ConfigError(
      `config "batchSize": labelled pairs need at least 2 a batch (in-batch negatives), got ${c.batchSize}`,
    );
  if (!(c.pairsScale > 0)) throw new ConfigError(`config "pairsScale": must be > 0, got ${c.pairsScale}`);
  if (c.maskRate <= 0 || c.maskRate >= 1)
    throw new ConfigError(`config "maskRate": must be in (0, 1), got ${c.maskRate}`);
  if (c.deleteRatio < 0 || c.deleteRatio >= 1)
    throw new ConfigError(`config "deleteRatio": must be in [0, 1), got ${c.deleteRatio}`);
  if (c.auxWeight < 0) throw new ConfigError(`config "auxWeight": must be >= 0, got ${c.auxWeight}`);
  for (const k of ['emaMomentum', 'emaMomentumEnd'] as const) {
    if (!(c[k] >= 0 && c[k] <= 1)) throw new ConfigError(`config "${k}": must be in [0, 1], got ${c[k]}`);
  }
  if (c.cropBoth && c.cropRest)
    throw new ConfigError(
      'config "cropRest": the views are either two crops (cropBoth) or a crop and the rest (cropRest), got both',
    );
  validateViews(c);
  if (c.aux !== 'none' && c.objective !== 'jepa')
    throw new ConfigError(
      `config "aux": an auxiliary loss (a pretext task or labelled pairs) joins objective jepa only, got objective "${c.objective}"`,
    );
  if (c.init && c.embeddingInit !== 'bert') {
    throw new ConfigError(
      `config "embeddingInit": shapes a model built from scratch; with init the weights come from ${c.init}, so it would be ignored, got "${c.embeddingInit}"`,
    );
  }
  if (c.maxTokens < 3)
    throw new ConfigError(`config "maxTokens": must be at least 3 ([CLS] x [SEP]), got ${c.maxTokens}`);
}

/** --views: known kinds (a kind listed twice is drawn twice as often), made by objective jepa only;
 *  --aux transform needs two kinds to tell apart. */
function validateViews(c: TrainConfig): void {
  for (const v of c.views) {
    if ((VIEW_KINDS as readonly string[]).includes(v)) continue;
    const near = closest(v, VIEW_KINDS);
    throw new ConfigError(
      `config "views": unknown view "${v}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${VIEW_KINDS.join(', ')}`,
    );
  }
  if (!(c.viewRate >= 0 && c.viewRate <= 1))
    throw new ConfigError(`config "viewRate": must be in [0, 1], got ${c.viewRate}`);
  const plain = c.views.every((v) => v === 'crop');
  if (!plain && c.objective !== 'jepa')
    throw new ConfigError(
      `config "views": views other than crop are made by objective jepa only, got objective "${c.objective}"`,
    );
  if (c.aux === 'transform' && new Set(c.views).size < 2)
    throw new ConfigError(
      `config "aux": transform predicts which --views kind made the second view, so it needs at least two kinds, got views "${c.views.join(',')}"`,
    );
}
