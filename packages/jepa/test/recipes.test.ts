// The option table and the recipes: plain `pnpm train` is the recommended encoder (what
// scripts/main.sh, now scripts/train.sh, used to ask for with flags), recipes are named and checked, --help lists every
// option with a group and a line, and the config type is the table's.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseOptions } from '../src/cli/args.ts';
import { CLI_OPTION_TABLE, TRAIN_CLI_OPTIONS, TRAIN_CLI_TABLE, trainHelp } from '../src/cli/train-options.ts';
import {
  CONFIG_FIELDS,
  DEFAULTS,
  DERIVED_DEFAULTS,
  OPTION_GROUPS,
  OPTION_NAMES,
  OPTION_TABLE,
  RECIPES,
  RECIPE_NAMES,
  coerceOption,
  flagName,
  recipe,
  resolveConfig,
  resumeConfig,
  type OptionName,
  type TrainConfig,
} from '../src/train/config.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The flags scripts/main.sh (now scripts/train.sh) put over the library's defaults (then the `bert` recipe's values) before the default recipe held them. */
const MAIN_SH_FLAGS = {
  pooling: 'sif',
  embeddingInit: 'ppmi',
  lambda: '10',
  embLrScale: '1',
  layerLrScale: '0',
  steps: '2000',
  cropRest: 'true',
};

describe('the default recipe', () => {
  it("plain resolveConfig() is the recommended encoder: the old main.sh's flags over the plain-BERT defaults", () => {
    expect(resolveConfig()).toEqual(resolveConfig(RECIPES.bert, MAIN_SH_FLAGS));
    expect(resolveConfig(RECIPES.default)).toEqual(resolveConfig());
    expect(resolveConfig()).toMatchObject({
      pooling: 'sif',
      embeddingInit: 'ppmi',
      lambda: 10,
      layerLrScale: 0,
      steps: 2000,
      warmup: 200,
      cropRest: true,
      maxTokens: 32,
    });
  });

  it('scripts/train.sh passes no training flags of its own', () => {
    const sh = readFileSync(`${root}scripts/train.sh`, 'utf8');
    expect(sh.trim().split('\n').at(-1)).toBe('exec pnpm --silent train "$@"');
    for (const k of OPTION_NAMES) expect(sh, flagName(k)).not.toContain(`${flagName(k)} `);
  });

  it('a default that follows another option yields to it, as the old main.sh did: --crop-both, --init', () => {
    expect(resolveConfig({ cropBoth: true })).toMatchObject({ cropBoth: true, cropRest: false });
    expect(resolveConfig({ init: 'runs/x' }).embeddingInit).toBe('bert');
    expect(resolveConfig({ steps: 50 }).warmup).toBe(5);
    // The table's default is each derived default's value under the other defaults.
    for (const [k, derive] of Object.entries(DERIVED_DEFAULTS))
      expect(derive!(DEFAULTS as TrainConfig), k).toEqual(DEFAULTS[k as OptionName]);
  });
});

describe('recipes', () => {
  it('each resolves; seed and bert are what they were', () => {
    for (const n of RECIPE_NAMES)
      expect(() => resolveConfig(recipe(n), n === 'seed' ? { init: 'x' } : {}), n).not.toThrow();
    expect(resolveConfig(RECIPES.seed, { init: 'x' })).toMatchObject({
      preset: 'base',
      loss: 'seed',
      pooling: 'cls',
      batchSize: 8,
      lr: 3e-5,
      schedule: 'constant',
      warmup: 0,
      steps: 20000,
      maxTokens: 128,
      lambda: 25,
      layerLrScale: 1,
      cropRest: false,
      embeddingInit: 'bert',
    });
    expect(resolveConfig(RECIPES.bert)).toMatchObject({
      pooling: 'cls',
      embeddingInit: 'bert',
      lambda: 25,
      layerLrScale: 1,
      cropRest: false,
      steps: 300,
      warmup: 30,
    });
    // Flags override a recipe, and its views give way to --crop-both.
    expect(resolveConfig(RECIPES.bert, { cropBoth: true, steps: 10 })).toMatchObject({
      cropBoth: true,
      cropRest: false,
      steps: 10,
      warmup: 1,
    });
  });

  it('an unknown recipe is an error with a "did you mean", from the library and from the CLI parser', () => {
    expect(() => recipe('sed')).toThrow(
      '--recipe: unknown recipe "sed" (did you mean "seed"?); known: default, seed, bert',
    );
    expect(() => recipe('zzzzzz')).toThrow(/^--recipe: unknown recipe "zzzzzz"; known: /);
    expect(() => parseOptions('pnpm train', ['--recipe', 'defualt'], TRAIN_CLI_OPTIONS)).toThrow(
      '--recipe: expected one of default|seed|bert, got "defualt" (did you mean "default"?)',
    );
  });

  it("a resumed run keeps its own settings: a saved config that predates an option resumes with the option's neutral value", () => {
    const saved = { ...resolveConfig(RECIPES.bert, { steps: 100 }) } as Record<string, unknown>;
    for (const k of ['embeddingInit', 'layerLrScale', 'cropRest', 'aux']) delete saved[k];
    const c = resumeConfig('runs/x', saved, {}, 50);
    expect(c).toMatchObject({
      embeddingInit: 'bert',
      layerLrScale: 1,
      cropRest: false,
      aux: 'none',
      pooling: 'cls',
      lambda: 25,
      steps: 100,
      warmup: 10,
    });
    // A run of the default recipe resumes as itself, whatever the defaults.
    const run = { ...resolveConfig() } as Record<string, unknown>;
    expect(resumeConfig('runs/x', run, {}, 50)).toEqual({ ...resolveConfig({ out: 'runs/x', resume: 'runs/x' }) });
    expect(() => resumeConfig('runs/x', run, RECIPES.bert as Record<string, unknown>, 50)).toThrow(
      /--pooling "cls" conflicts with the run's "sif"/,
    );
  });
});

describe('the option table', () => {
  it('is the config: one field per option, each default of its own kind', () => {
    expect(Object.keys(DEFAULTS)).toEqual(OPTION_NAMES);
    expect(Object.keys(CONFIG_FIELDS)).toEqual(OPTION_NAMES);
    for (const k of OPTION_NAMES) {
      const o = OPTION_TABLE[k];
      expect(coerceOption(k, o.kind, o.default), k).toEqual(o.default);
    }
    // The type comes from the table (a mapped type): the same names, the kinds' values.
    expectTypeOf<keyof TrainConfig>().toEqualTypeOf<OptionName>();
    expectTypeOf<TrainConfig['pooling']>().toEqualTypeOf<'cls' | 'mean' | 'max' | 'sif'>();
    expectTypeOf<TrainConfig['dropout']>().toEqualTypeOf<number | null>();
    expectTypeOf<TrainConfig['expander']>().toEqualTypeOf<number[]>();
  });

  it('--help lists every option once, under its group, with a one-line description and (where one applies) its default', () => {
    const help = trainHelp('pnpm train');
    const sections = new Map<string, string[]>();
    let group = '';
    for (const line of help.split('\n')) {
      if (/^[a-z]+:$/.test(line)) group = line.slice(0, -1);
      else if (line.startsWith('  --')) sections.set(group, [...(sections.get(group) ?? []), line]);
    }
    expect([...sections.keys()]).toEqual([...OPTION_GROUPS]);
    const lines = [...sections.values()].flat();
    expect(lines.length).toBe(Object.keys(TRAIN_CLI_TABLE).length);
    for (const [k, o] of Object.entries(TRAIN_CLI_TABLE)) {
      expect(OPTION_GROUPS, k).toContain(o.group);
      expect(o.help.length, k).toBeGreaterThan(10);
      expect(o.help, k).not.toContain('\n');
      const mine = sections
        .get(o.group)!
        .filter(
          (l) => l.startsWith(`  ${flagName(k)} `) || l === `  ${flagName(k)}` || l.startsWith(`  ${flagName(k)}  `),
        );
      expect(mine.length, k).toBe(1);
      expect(mine[0], k).toContain(o.help);
      if (k in OPTION_TABLE) expect(mine[0], k).toMatch(/\(default: [^)]+\)$/);
    }
    for (const n of RECIPE_NAMES) expect(help).toMatch(new RegExp(`^  ${n} +\\S`, 'm'));
    expect(Object.keys(CLI_OPTION_TABLE).every((k) => !(k in OPTION_TABLE))).toBe(true);
  });

  it('pnpm train --help prints it and exits 0', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'packages/jepa/src/cli/train.ts', '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${trainHelp('pnpm train')}\n`);
  });
});
