// The trainer tests' tiny setup: 200 pool titles and the first dev queries copied into a temp dir,
// and a config on them (by default the `bert` recipe: every weight trains; tiny batch and expander,
// no periodic evaluation) that each test adjusts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSafetensorsFile } from '@jepa/nn';
import { expect } from 'vitest';
import { ASKUBUNTU_DEV_PATH, TRAIN_TITLES_PATH } from '../src/data/paths.ts';
import { RECIPES, resolveConfig, type TrainConfig } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';

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

/** A safetensors file's tensors by name (checkpoint or model), to compare two runs exactly. */
export async function savedTensors(path: string): Promise<Map<string, Float32Array | Int32Array>> {
  const f = await loadSafetensorsFile(path);
  return new Map([...f.tensors].map(([n, t]) => [n, t.data]));
}

/** A run dir's training records (metrics.jsonl, kind "train"). */
export function trainRecords(out: string): Record<string, number>[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.kind === 'train');
}

/**
 * `over` trained straight through, and stopped after step 2 then resumed: both must end on the same
 * evaluation and the same checkpoint tensors (model and optimizer state), exactly. Returns both dirs.
 */
export async function expectExactResume(
  cfg: (over: ConfigOverrides) => TrainConfig,
  over: ConfigOverrides,
  base: string,
): Promise<{ full: string; part: string }> {
  const full = `${base}-full`;
  const part = `${base}-part`;
  const a = await train(cfg({ ...over, out: full }), { quiet: true });
  expect(a.stopped).toBe('done');
  expect(Number.isFinite(a.lastEval!.map)).toBe(true);
  await train(cfg({ ...over, out: part }), { quiet: true, stopAfter: 2 });
  const b = await train(cfg({ ...over, out: part, resume: part }), { quiet: true });
  expect(b.lastEval!.map).toBe(a.lastEval!.map);
  for (const f of ['model.safetensors', 'optimizer.safetensors']) {
    const wa = await savedTensors(join(full, 'checkpoint', f));
    const wb = await savedTensors(join(part, 'checkpoint', f));
    expect([...wb.keys()]).toEqual([...wa.keys()]);
    for (const [n, v] of wa) expect(Array.from(wb.get(n)!), `${f} ${n}`).toEqual(Array.from(v));
  }
  return { full, part };
}
