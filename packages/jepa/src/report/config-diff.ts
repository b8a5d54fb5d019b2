// What a run changed: its config beside the defaults of the recipe it ran (`resolveConfig(RECIPES[name])`),
// only the options that differ. Runs from before the recipe was recorded are compared with the
// recipe they differ least from, and say so.
import { DERIVED_DEFAULTS, resolveConfig } from '../train/resolve.ts';
import { RECIPE_NAMES, RECIPES, type RecipeName } from '../train/recipes.ts';
import type { OptionName } from '../train/options.ts';

export interface ConfigChange {
  option: string;
  value: unknown;
  recipeDefault: unknown;
  /** Set where the value follows other options (warmup: 10% of steps) rather than being given. */
  derived?: boolean;
}

export interface ConfigDiff {
  recipe: RecipeName;
  /** The recipe was not recorded with the run: this is the closest one. */
  inferred: boolean;
  changes: ConfigChange[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function changesFrom(config: Record<string, unknown>, recipe: RecipeName): ConfigChange[] {
  const base = resolveConfig(RECIPES[recipe]) as unknown as Record<string, unknown>;
  const changes: ConfigChange[] = [];
  for (const option of Object.keys(base)) {
    if (!(option in config) || same(config[option], base[option])) continue;
    changes.push({ option, value: config[option], recipeDefault: base[option] });
  }
  // A derived option that equals what the given options derive is marked as such, not as a choice.
  const given = Object.fromEntries(
    changes.filter((c) => !(c.option in DERIVED_DEFAULTS)).map((c) => [c.option, c.value]),
  );
  let rederived: Record<string, unknown> | null = null;
  try {
    rederived = resolveConfig(RECIPES[recipe], given) as unknown as Record<string, unknown>;
  } catch {
    // a config that no longer validates (an older run): no derived marks
  }
  for (const c of changes) {
    const derive = DERIVED_DEFAULTS[c.option as OptionName];
    if (derive && rederived && same(c.value, rederived[c.option])) c.derived = true;
  }
  return changes;
}

/** The options of `config` that differ from the defaults of `recipe` (or, unknown, of the closest recipe). */
export function configDiff(config: Record<string, unknown>, recipe?: string | null): ConfigDiff {
  if (recipe && (RECIPE_NAMES as string[]).includes(recipe)) {
    const name = recipe as RecipeName;
    return { recipe: name, inferred: false, changes: changesFrom(config, name) };
  }
  let best: ConfigDiff | null = null;
  for (const name of RECIPE_NAMES) {
    const changes = changesFrom(config, name);
    if (!best || changes.length < best.changes.length) best = { recipe: name, inferred: true, changes };
  }
  return best!;
}
