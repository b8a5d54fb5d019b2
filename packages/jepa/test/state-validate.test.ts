// A run's checkpoint/state.json, read back on --resume, is checked field by field: a hand edit or a
// damaged file is refused naming the file and the field, never trained on as it reads.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTrainerState } from '../src/train/checkpoint.ts';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { dir, cfg } = tinyRun('state-validate', 4, { steps: 4, warmup: 0 });

describe('state.json validated field by field', () => {
  const out = join(dir, 'run');
  const statePath = join(out, 'checkpoint', 'state.json');
  let original = '';
  /** state.json with `edit` applied to its parsed form (restored by the next call). */
  const edited = (edit: (s: { extra: Record<string, unknown>; [k: string]: unknown }) => unknown) => {
    const s = JSON.parse(original);
    edit(s);
    writeFileSync(statePath, JSON.stringify(s, null, 2));
  };

  it('a non-numeric step is refused by pnpm train --resume with exit 1 naming the file and the field', async () => {
    await train(cfg({ out }), { quiet: true, stopAfter: 2 });
    original = readFileSync(statePath, 'utf8');
    expect((await readTrainerState(out))!.step).toBe(2);
    edited((s) => {
      s.extra.step = 'x';
    });
    const msg = `${statePath}: "step" must be a non-negative integer, got "x"`;
    await expect(readTrainerState(out)).rejects.toThrow(msg);
    await expect(train(cfg({ out, resume: out, steps: 6 }), { quiet: true })).rejects.toThrow(msg);
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'packages/jepa/src/cli/train.ts', '--resume', out, '--steps', '6', '--baselines', 'false'],
      { cwd: root, encoding: 'utf8', timeout: 90_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(msg);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).extra.step).toBe('x'); // nothing trained, nothing rewritten
  });

  it('every other field: ranges, types, and the files the checkpoint lists', async () => {
    const cases: [(s: { extra: Record<string, unknown>; [k: string]: unknown }) => unknown, string][] = [
      [(s) => Object.assign(s.extra, { step: -3 }), '"step" must be a non-negative integer, got -3'],
      [(s) => Object.assign(s.extra, { step: 2.5 }), '"step" must be a non-negative integer, got 2.5'],
      [(s) => Object.assign(s.extra, { config: 'bert' }), '"config" must be an object (the run config), got "bert"'],
      [
        (s) => Object.assign(s.extra, { bestMap: 'high', bestStep: 2 }),
        '"bestMap" must be null or a number in [0, 100] (MAP ×100), got "high"',
      ],
      [
        (s) => Object.assign(s.extra, { bestMap: 0.5, bestStep: 9 }),
        '"bestStep" must be null or an integer in [0, step 2], got 9',
      ],
      [
        (s) => Object.assign(s.extra, { bestMap: 0.5, bestStep: null }),
        '"bestMap" and "bestStep" must both be set or both be null, got 0.5 and null',
      ],
      [
        (s) => Object.assign(s.extra.config as object, { steps: 1 }),
        '"config.steps" must be an integer of at least step 2, got 1',
      ],
      [(s) => Object.assign(s, { extra: null }), '"extra" must be an object holding the trainer state, got null'],
      [
        (s) => Object.assign(s.files as object, { 'model.safetensors': 'big' }),
        '"files.model.safetensors" must be a non-negative integer (bytes), got "big"',
      ],
      [
        (s) => Object.assign(s.optimizer as object, { step: -1 }),
        '"optimizer.step" must be a non-negative integer, got -1',
      ],
    ];
    for (const [edit, what] of cases) {
      edited(edit);
      await expect(readTrainerState(out)).rejects.toThrow(`${statePath}: ${what}`);
    }
    // The file as saved reads back, and the run resumes from it.
    writeFileSync(statePath, original);
    expect(await readTrainerState(out)).toMatchObject({ step: 2, bestMap: null, bestStep: null });
    const s = await train(cfg({ out, resume: out }), { quiet: true });
    expect(s).toMatchObject({ stopped: 'done', steps: 4 });
  });
});
