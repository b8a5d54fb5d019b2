// The trainer tests' tiny setup: 200 pool titles and the first dev queries copied into a temp dir,
// and a config on them (by default the `bert` recipe: every weight trains; tiny batch and expander,
// no periodic evaluation) that each test adjusts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASKUBUNTU_DEV_PATH, TRAIN_TITLES_PATH } from '../src/data/paths.ts';
import { RECIPES, resolveConfig, type TrainConfig } from '../src/train/config.ts';

export type ConfigOverrides = Partial<Record<keyof TrainConfig, unknown>>;

export function tinyRun(
  name: string,
  devQueries: number,
  base: ConfigOverrides,
  recipe: ConfigOverrides = RECIPES.bert,
) {
  const dir = mkdtempSync(join(tmpdir(), `jepa-${name}-`));
  const pool = join(dir, 'pool.txt');
  writeFileSync(pool, readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').slice(0, 200).join('\n'));
  const devFile = join(dir, 'dev.jsonl');
  writeFileSync(devFile, `${readFileSync(ASKUBUNTU_DEV_PATH, 'utf8').split('\n').slice(0, devQueries).join('\n')}\n`);
  const cfg = (over: ConfigOverrides): TrainConfig =>
    resolveConfig(recipe, {
      batchSize: 8,
      maxTokens: 16,
      expander: '64,64',
      evalEvery: 0,
      evalQueries: 0,
      trainFile: pool,
      evalFile: devFile,
      ...base,
      ...over,
    });
  return { dir, pool, devFile, cfg };
}
