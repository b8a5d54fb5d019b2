// Resuming: the config of a resumed run is the run's own, saved with its checkpoint. What is given
// with --resume may extend the run (`steps`) or repeat its values; anything else is a conflict.
import { ConfigError } from './coerce.ts';
import { CONFIG_FIELDS, OPTION_NAMES, flagName, type TrainConfig } from './options.ts';
import { RECIPES } from './recipes.ts';
import { resolveConfig } from './resolve.ts';

/** Fields that belong to one invocation rather than to the run: free to differ when resuming. */
const INVOCATION_FIELDS: ReadonlySet<string> = new Set(['resume', 'out', 'overwrite', 'logEvery']);

/**
 * A saved run config (train-config.json / checkpoint state) as a TrainConfig; unknown fields dropped.
 * A field the saved run lacks did not exist when it ran, so it ran as that field's neutral value:
 * the `bert` recipe's for the options the default recipe changes, the default for the others.
 */
function savedRun(saved: Record<string, unknown>, dir: string): TrainConfig {
  const known = Object.fromEntries(
    Object.entries(saved).filter(([k]) => Object.hasOwn(CONFIG_FIELDS, k) && !INVOCATION_FIELDS.has(k)),
  );
  // warmup is stored, so it is not re-derived from steps.
  return resolveConfig(RECIPES.bert, known, { warmup: saved.warmup, resume: dir, out: dir });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
// No node:path here (this module runs in a browser too).
const samePath = (a: string, b: string) =>
  a.replace(/^\.\//, '').replace(/\/+$/, '') === b.replace(/^\.\//, '').replace(/\/+$/, '');

/**
 * How `cfg` departs from the run saved in a checkpoint, one "field: run X, given Y" per field.
 * `steps` may grow (an explicit extension) but not fall below the steps already done.
 */
export function runConflicts(saved: Record<string, unknown>, cfg: TrainConfig, done: number): string[] {
  const run = savedRun(saved, cfg.resume ?? cfg.out);
  const out: string[] = [];
  for (const k of OPTION_NAMES) {
    if (INVOCATION_FIELDS.has(k)) continue;
    if (k === 'steps') {
      if (cfg.steps < done) out.push(`steps: ${cfg.steps} is fewer than the ${done} already done`);
    } else if (!same(run[k], cfg[k])) out.push(`${k}: run ${JSON.stringify(run[k])}, given ${JSON.stringify(cfg[k])}`);
  }
  return out;
}

/**
 * The config to resume the run in `dir`: every setting from the run itself. `given` (flags, a
 * --config file, a recipe) may only extend it (`steps`) or repeat its values; anything else is an
 * error naming each conflict.
 */
export function resumeConfig(
  dir: string,
  saved: Record<string, unknown>,
  given: Record<string, unknown>,
  done: number,
): TrainConfig {
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
    throw new ConfigError(
      `--resume ${dir}: ${conflicts.join('; ')} (a resumed run keeps every setting of the run; only --steps may extend it)`,
    );
  }
  return { ...run, steps: merged.steps, logEvery: merged.logEvery };
}
