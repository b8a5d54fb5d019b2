// `pnpm train`'s options: every training option (train/options.ts) plus the CLI's own, and the
// --help text made from them, grouped, each with its one line and its default under the default recipe.
import {
  OPTION_GROUPS,
  OPTION_TABLE,
  flagName,
  type OptionGroup,
  type OptionKind,
  type OptionSpecEntry,
} from '../train/options.ts';
import { RECIPE_NAMES, RECIPE_TABLE } from '../train/recipes.ts';
import type { OptionSpec } from './args.ts';

/** An option of the CLI itself: as a training option, with a default only where one applies. */
export type CliOption = Omit<OptionSpecEntry, 'default'> & { default?: unknown };

/** Options of the CLI, not of the run (a resumed run keeps --baselines: see train.ts). */
export const CLI_OPTION_TABLE = {
  recipe: {
    kind: RECIPE_NAMES,
    default: 'default',
    group: 'run',
    help: 'start from a named recipe (listed above); the options given override it',
  },
  config: {
    kind: 'str',
    group: 'run',
    help: 'a JSON file of options by camelCase name, over the recipe and under the flags',
  },
  stopAfter: {
    kind: 'pos',
    group: 'run',
    help: 'end after step N of the --steps schedule, evaluated and exported; --resume continues the schedule',
  },
  baselines: {
    kind: 'bool',
    default: true,
    group: 'evaluation',
    help: 'after training, also score TF-IDF, random order and the untrained start on the dev set',
  },
  help: { kind: 'bool', group: 'run', help: 'print this and exit (also -h)' },
} satisfies Record<string, CliOption>;

/** Every option of `pnpm train`: the training options, then the CLI's. */
export const TRAIN_CLI_TABLE: Readonly<Record<string, CliOption>> = { ...OPTION_TABLE, ...CLI_OPTION_TABLE };

/** Every option `pnpm train` accepts, as parseOptions takes them. */
export const TRAIN_CLI_OPTIONS: OptionSpec = Object.fromEntries(
  Object.entries(TRAIN_CLI_TABLE).map(([k, o]) => [k, o.kind]),
);

/** How --help shows what an option takes. */
function metavar(kind: OptionKind): string {
  if (Array.isArray(kind)) return kind.join('|');
  return (
    {
      int: 'N',
      pos: 'N',
      num: 'X',
      'num?': 'X',
      bool: '[true|false]',
      str: 'PATH',
      'str?': 'PATH',
      ints: 'N,N,...',
      words: 'W,W,...',
    }[kind as string] ?? 'VALUE'
  );
}

function shown(v: unknown): string {
  if (v === null || v === '' || (Array.isArray(v) && v.length === 0)) return 'none';
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** One line per option, grouped; each ends with its default under the default recipe. */
export function trainHelp(cmd: string): string {
  const all = TRAIN_CLI_TABLE;
  const head = Object.fromEntries(
    Object.entries(all).map(([k, o]) => [k, `  ${flagName(k)}${k === 'help' ? '' : ` ${metavar(o.kind)}`}`]),
  );
  const width = Math.max(...Object.values(head).map((h) => h.length)) + 2;
  const nameWidth = Math.max(...RECIPE_NAMES.map((n) => n.length)) + 2;
  const lines = [
    `usage: ${cmd} [--recipe NAME] [--config FILE.json] [--<option> VALUE]...`,
    'Trains a sentence encoder, evaluates it on the AskUbuntu dev set and prints it beside the baselines.',
    'With no options: the default recipe. Options are typed kebab-case (--batch-size) or camelCase.',
    '',
    'recipes (--recipe NAME):',
    ...RECIPE_NAMES.map((n) => `  ${n.padEnd(nameWidth)}${RECIPE_TABLE[n].about}`),
  ];
  for (const group of OPTION_GROUPS) {
    lines.push('', `${group}:`);
    for (const [k, o] of Object.entries(all)) {
      if (o.group !== (group as OptionGroup)) continue;
      const dflt =
        o.shown !== undefined ? ` (default: ${o.shown})` : 'default' in o ? ` (default: ${shown(o.default)})` : '';
      lines.push(`${head[k].padEnd(width)}${o.help}${dflt}`);
    }
  }
  return lines.join('\n');
}
