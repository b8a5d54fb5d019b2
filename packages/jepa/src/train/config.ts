// Training configuration: defaults, named recipes, and validation with errors naming the field.

export type Objective = 'jepa' | 'jepa-ema' | 'mlm' | 'simcse' | 'tsdae';
/** A pretext loss added to JEPA's VICReg loss on the same batch. */
export type Aux = 'none' | 'mlm' | 'tsdae';
/** `sif`: mean weighted by a/(a + p(token)) from the training pool (see model/sif.ts). */
export type Pooling = 'cls' | 'mean' | 'max' | 'sif';
export type Schedule = 'constant' | 'linear' | 'cosine';

export interface TrainConfig {
  preset: 'tiny' | 'mini' | 'small' | 'base';
  /** A Hugging Face BERT dir (config.json, model.safetensors, vocab.txt) to start from. */
  init: string | null;
  /** With `init`: load the weights that match, print what was skipped (default: a mismatch is an error). */
  lenientLoad: boolean;
  /** Input-embedding init from scratch: `bert` (HF), `words` or `ppmi` (see model/init.ts). */
  embeddingInit: 'bert' | 'words' | 'ppmi';
  objective: Objective;
  loss: 'official' | 'seed';
  steps: number;
  batchSize: number;
  maxTokens: number;
  lr: number;
  schedule: Schedule;
  warmup: number;
  weightDecay: number;
  /** Multiplies the learning rate of the word-embedding table (0 freezes it). */
  embLrScale: number;
  /** Multiplies the learning rate of the Transformer layers (0 freezes them). */
  layerLrScale: number;
  clip: number;
  /** Expander hidden/output dims after the encoder width; [] = derive (4× hidden, three layers). */
  expander: number[];
  expanderFinalBias: boolean;
  pooling: Pooling;
  lambda: number;
  mu: number;
  nu: number;
  cropBoth: boolean;
  /** JEPA views: the words outside the crop against the crop (disjoint views; exclusive with cropBoth). */
  cropRest: boolean;
  /** SimCSE temperature and MLM mask rate. */
  temperature: number;
  maskRate: number;
  /** TSDAE: share of each sentence's words deleted; what the decoder shares with the encoder. */
  deleteRatio: number;
  decoderTie: 'all' | 'embeddings';
  /** JEPA + pretext: loss = VICReg + auxWeight · pretext loss. */
  aux: Aux;
  auxWeight: number;
  /** Predictive JEPA: EMA momentum from emaMomentum to emaMomentumEnd on emaSchedule; the loss
   *  between prediction and target; predictor hidden dims ([] = 4× hidden). */
  emaMomentum: number;
  emaMomentumEnd: number;
  emaSchedule: 'constant' | 'linear' | 'cosine';
  emaLoss: 'vicreg' | 'mse';
  predictor: number[];
  dropout: number | null;
  seed: number;
  evalEvery: number;
  /** Queries of the dev set used by periodic evaluations (0 = all); the final one uses all. */
  evalQueries: number;
  evalFile: string | null;
  trainFile: string | null;
  out: string;
  resume: string | null;
  /** Train into an `out` dir that already holds a run, replacing it. */
  overwrite: boolean;
  logEvery: number;
  collapseStd: number;
}

export const DEFAULTS: TrainConfig = {
  preset: 'tiny',
  init: null,
  lenientLoad: false,
  embeddingInit: 'bert',
  objective: 'jepa',
  loss: 'official',
  steps: 300,
  batchSize: 32,
  maxTokens: 32,
  lr: 5e-4,
  schedule: 'linear',
  warmup: 40, // 10% of steps unless set
  weightDecay: 0.01,
  embLrScale: 1,
  layerLrScale: 1,
  clip: 1.0,
  expander: [],
  expanderFinalBias: true,
  pooling: 'cls',
  lambda: 25,
  mu: 25,
  nu: 1,
  cropBoth: false,
  cropRest: false,
  temperature: 0.05,
  maskRate: 0.15,
  deleteRatio: 0.6,
  decoderTie: 'all',
  aux: 'none',
  auxWeight: 1,
  emaMomentum: 0.996,
  emaMomentumEnd: 1,
  emaSchedule: 'linear',
  emaLoss: 'vicreg',
  predictor: [],
  dropout: null,
  seed: 1,
  evalEvery: 100,
  evalQueries: 200,
  evalFile: null,
  trainFile: null,
  out: 'runs/default',
  resume: null,
  overwrite: false,
  logEvery: 10,
  collapseStd: 0.01,
};

/** The seed paper's recipe: bert-base from a checkpoint, batch 8, constant 3e-5, 20k steps, seed loss. */
export const RECIPES: Record<string, Partial<TrainConfig>> = {
  default: {},
  seed: {
    preset: 'base',
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
  },
};

type Kind = 'int' | 'pos' | 'num' | 'bool' | 'str' | 'str?' | 'ints' | 'num?';
/** What an option accepts: a value kind, or a list of the allowed words. */
export type OptionKind = Kind | readonly string[];
const FIELDS: Record<keyof TrainConfig, OptionKind> = {
  preset: ['tiny', 'mini', 'small', 'base'],
  init: 'str?',
  lenientLoad: 'bool',
  embeddingInit: ['bert', 'words', 'ppmi'],
  objective: ['jepa', 'jepa-ema', 'mlm', 'simcse', 'tsdae'],
  loss: ['official', 'seed'],
  steps: 'pos',
  batchSize: 'pos',
  maxTokens: 'pos',
  lr: 'num',
  schedule: ['constant', 'linear', 'cosine'],
  warmup: 'int',
  weightDecay: 'num',
  embLrScale: 'num',
  layerLrScale: 'num',
  clip: 'num',
  expander: 'ints',
  expanderFinalBias: 'bool',
  pooling: ['cls', 'mean', 'max', 'sif'],
  lambda: 'num',
  mu: 'num',
  nu: 'num',
  cropBoth: 'bool',
  cropRest: 'bool',
  temperature: 'num',
  maskRate: 'num',
  deleteRatio: 'num',
  decoderTie: ['all', 'embeddings'],
  aux: ['none', 'mlm', 'tsdae'],
  auxWeight: 'num',
  emaMomentum: 'num',
  emaMomentumEnd: 'num',
  emaSchedule: ['constant', 'linear', 'cosine'],
  emaLoss: ['vicreg', 'mse'],
  predictor: 'ints',
  dropout: 'num?',
  seed: 'int',
  evalEvery: 'int',
  evalQueries: 'int',
  evalFile: 'str?',
  trainFile: 'str?',
  out: 'str',
  resume: 'str?',
  overwrite: 'bool',
  logEvery: 'pos',
  collapseStd: 'num',
};

export class ConfigError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'ConfigError';
  }
}

/** Every config field with what it accepts (the `pnpm train` options are these). */
export const CONFIG_FIELDS: Readonly<Record<keyof TrainConfig, OptionKind>> = FIELDS;

function coerce(key: string, kind: OptionKind, v: unknown): unknown {
  return coerceOption(`config "${key}"`, kind, v);
}

/** `v` (a string from the command line, or a JSON value) as `kind`; errors start with `label`. */
export function coerceOption(label: string, kind: OptionKind, v: unknown): unknown {
  const bad = (what: string) => new ConfigError(`${label}: expected ${what}, got ${JSON.stringify(v)}`);
  if (Array.isArray(kind)) {
    if (typeof v !== 'string' || !kind.includes(v)) throw bad(`one of ${kind.join('|')}`);
    return v;
  }
  const num = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? Number(x) : x);
  switch (kind) {
    case 'int':
    case 'pos': {
      const n = num(v);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < (kind === 'pos' ? 1 : 0)) throw bad(kind === 'pos' ? 'a positive integer' : 'a non-negative integer');
      return n;
    }
    case 'num':
    case 'num?': {
      if (kind === 'num?' && (v === null || v === 'null' || v === undefined)) return null;
      const n = num(v);
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'bool':
      if (v === true || v === 'true' || v === '1' || v === '') return true;
      if (v === false || v === 'false' || v === '0') return false;
      throw bad('true or false');
    case 'str':
      if (typeof v !== 'string' || !v) throw bad('a non-empty string');
      return v;
    case 'str?':
      if (v === null || v === undefined || v === '') return null;
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'ints': {
      const list = typeof v === 'string' ? v.split(/[,x]/).filter(Boolean).map(Number) : v;
      if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x) && x > 0)) throw bad('a list of positive integers like 512,512,512');
      return list;
    }
  }
}

/** Merge recipe, JSON config and flags (later wins), validating every field. */
export function resolveConfig(...layers: Record<string, unknown>[]): TrainConfig {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      if (!(k in FIELDS)) {
        const near = closest(k, Object.keys(FIELDS));
        throw new ConfigError(`unknown config "${k}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${Object.keys(FIELDS).join(', ')}`);
      }
      out[k] = coerce(k, FIELDS[k as keyof TrainConfig], v);
    }
  }
  const c = out as unknown as TrainConfig;
  // Unless set explicitly, warmup is 10% of the run.
  if (!layers.some((l) => l.warmup !== undefined)) c.warmup = Math.floor(c.steps / 10);
  if (c.embLrScale < 0) throw new ConfigError(`config "embLrScale": must be >= 0, got ${c.embLrScale}`);
  if (c.layerLrScale < 0) throw new ConfigError(`config "layerLrScale": must be >= 0, got ${c.layerLrScale}`);
  if (c.lr <= 0) throw new ConfigError(`config "lr": must be > 0, got ${c.lr}`);
  if (c.warmup > c.steps) throw new ConfigError(`config "warmup": ${c.warmup} exceeds steps ${c.steps}`);
  if ((c.objective === 'jepa' || c.objective === 'jepa-ema') && c.batchSize < 2) throw new ConfigError(`config "batchSize": objective ${c.objective} needs at least 2 (batch statistics)`);
  if (c.maskRate <= 0 || c.maskRate >= 1) throw new ConfigError(`config "maskRate": must be in (0, 1), got ${c.maskRate}`);
  if (c.deleteRatio < 0 || c.deleteRatio >= 1) throw new ConfigError(`config "deleteRatio": must be in [0, 1), got ${c.deleteRatio}`);
  if (c.auxWeight < 0) throw new ConfigError(`config "auxWeight": must be >= 0, got ${c.auxWeight}`);
  for (const k of ['emaMomentum', 'emaMomentumEnd'] as const) {
    if (!(c[k] >= 0 && c[k] <= 1)) throw new ConfigError(`config "${k}": must be in [0, 1], got ${c[k]}`);
  }
  if (c.cropBoth && c.cropRest) throw new ConfigError('config "cropRest": the views are either two crops (cropBoth) or a crop and the rest (cropRest), got both');
  if (c.aux !== 'none' && c.objective !== 'jepa') throw new ConfigError(`config "aux": a pretext loss joins objective jepa only, got objective "${c.objective}"`);
  if (c.init && c.embeddingInit !== 'bert') {
    throw new ConfigError(`config "embeddingInit": shapes a model built from scratch; with init the weights come from ${c.init}, so it would be ignored, got "${c.embeddingInit}"`);
  }
  if (c.maxTokens < 3) throw new ConfigError(`config "maxTokens": must be at least 3 ([CLS] x [SEP]), got ${c.maxTokens}`);
  return c;
}

/** The candidate nearest to `word` (case, '-' and '_' aside; edit distance ≤ 2, or ≤ 1/3 of its length), or null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  const norm = (w: string) => w.toLowerCase().replace(/[-_]/g, '');
  const w = norm(word);
  let best: string | null = null;
  let bestD = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(w, norm(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** A config field as a command-line flag: batchSize -> --batch-size. */
export function flagName(field: string): string {
  return '--' + field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** Fields that belong to one invocation rather than to the run: free to differ when resuming. */
const INVOCATION_FIELDS: ReadonlySet<string> = new Set(['resume', 'out', 'overwrite', 'logEvery']);

/** A saved run config (train-config.json / checkpoint state) as a TrainConfig; unknown fields dropped. */
function savedRun(saved: Record<string, unknown>, dir: string): TrainConfig {
  const known = Object.fromEntries(Object.entries(saved).filter(([k]) => k in FIELDS && !INVOCATION_FIELDS.has(k)));
  // warmup is stored, so it is not re-derived from steps.
  return resolveConfig(known, { warmup: saved.warmup ?? DEFAULTS.warmup, resume: dir, out: dir });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
// No node:path here (this module runs in a browser too).
const samePath = (a: string, b: string) => a.replace(/^\.\//, '').replace(/\/+$/, '') === b.replace(/^\.\//, '').replace(/\/+$/, '');

/**
 * How `cfg` departs from the run saved in a checkpoint, one "field: run X, given Y" per field.
 * `steps` may grow (an explicit extension) but not fall below the steps already done.
 */
export function runConflicts(saved: Record<string, unknown>, cfg: TrainConfig, done: number): string[] {
  const run = savedRun(saved, cfg.resume ?? cfg.out);
  const out: string[] = [];
  for (const k of Object.keys(FIELDS) as (keyof TrainConfig)[]) {
    if (INVOCATION_FIELDS.has(k)) continue;
    if (k === 'steps') {
      if (cfg.steps < done) out.push(`steps: ${cfg.steps} is fewer than the ${done} already done`);
    } else if (!same(run[k], cfg[k])) out.push(`${k}: run ${JSON.stringify(run[k])}, given ${JSON.stringify(cfg[k])}`);
  }
  return out;
}

/**
 * The config to resume the run in `dir`: every setting from the run itself. `given` (flags, a
 * --config file) may only extend it (`steps`) or repeat its values; anything else is an error
 * naming each conflict.
 */
export function resumeConfig(dir: string, saved: Record<string, unknown>, given: Record<string, unknown>, done: number): TrainConfig {
  const run = savedRun(saved, dir);
  const asked = Object.fromEntries(Object.entries(given).filter(([k, v]) => v !== undefined && k !== 'resume'));
  const merged = resolveConfig(run as unknown as Record<string, unknown>, asked);
  const conflicts: string[] = [];
  for (const k of Object.keys(asked) as (keyof TrainConfig)[]) {
    if (k === 'steps') {
      if (merged.steps < done) conflicts.push(`--steps ${merged.steps} is fewer than the ${done} steps already done`);
    } else if (k === 'out') {
      if (!samePath(merged.out, dir)) conflicts.push(`--out ${merged.out}: a resumed run writes to its own dir`);
    } else if (!INVOCATION_FIELDS.has(k) && !same(merged[k], run[k])) {
      conflicts.push(`${flagName(k)} ${JSON.stringify(merged[k])} conflicts with the run's ${JSON.stringify(run[k])}`);
    }
  }
  if (conflicts.length) {
    throw new ConfigError(`--resume ${dir}: ${conflicts.join('; ')} (a resumed run keeps every setting of the run; only --steps may extend it)`);
  }
  return { ...run, steps: merged.steps, logEvery: merged.logEvery };
}

/** Parse `--key value`, `--key=value`, `--flag`, kebab-case or camelCase. */
export function parseArgs(argv: readonly string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    let [k, v] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    k = k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (v === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        v = next;
        i++;
      } else v = 'true';
    }
    flags[k] = v;
  }
  return { flags, positional };
}

/**
 * The given options a run will not use, one "--flag has no effect ..." each: an objective's
 * settings under another objective, VICReg's under `jepa-ema --ema-loss mse`, a pretext task's
 * without it, and what `init` replaces (the preset and the embedding init come from the dir).
 */
export function unusedOptions(cfg: TrainConfig, given: Iterable<string>): string[] {
  const jepaFamily = cfg.objective === 'jepa' || cfg.objective === 'jepa-ema';
  const vicreg = cfg.objective === 'jepa' || (cfg.objective === 'jepa-ema' && cfg.emaLoss === 'vicreg');
  const obj = `with --objective ${cfg.objective}`;
  const noVicreg = cfg.objective === 'jepa-ema' ? `${obj} --ema-loss mse` : obj;
  const used: Partial<Record<keyof TrainConfig, [boolean, string]>> = {
    lambda: [vicreg, noVicreg], mu: [vicreg, noVicreg], nu: [vicreg, noVicreg], loss: [vicreg, noVicreg],
    cropBoth: [jepaFamily, obj], cropRest: [jepaFamily, obj],
    expander: [cfg.objective === 'jepa', obj], expanderFinalBias: [cfg.objective === 'jepa', obj],
    auxWeight: [cfg.objective === 'jepa' && cfg.aux !== 'none', 'without --aux'],
    maskRate: [cfg.objective === 'mlm' || cfg.aux === 'mlm', obj + (cfg.aux === 'none' ? '' : ` --aux ${cfg.aux}`)],
    deleteRatio: [cfg.objective === 'tsdae' || cfg.aux === 'tsdae', obj + (cfg.aux === 'none' ? '' : ` --aux ${cfg.aux}`)],
    decoderTie: [cfg.objective === 'tsdae' || cfg.aux === 'tsdae', obj + (cfg.aux === 'none' ? '' : ` --aux ${cfg.aux}`)],
    temperature: [cfg.objective === 'simcse', obj],
    emaMomentum: [cfg.objective === 'jepa-ema', obj], emaMomentumEnd: [cfg.objective === 'jepa-ema', obj],
    emaSchedule: [cfg.objective === 'jepa-ema', obj], emaLoss: [cfg.objective === 'jepa-ema', obj],
    predictor: [cfg.objective === 'jepa-ema', obj],
    preset: [!cfg.init, `with --init (the model's config.json sets the size)`],
  };
  const out: string[] = [];
  for (const k of new Set(given)) {
    const u = used[k as keyof TrainConfig];
    if (u && !u[0]) out.push(`${flagName(k)} has no effect ${u[1]}`);
  }
  return out;
}
