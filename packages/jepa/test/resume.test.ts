// Resuming restores the run itself: its settings, its step count and its best score. A resumed run
// that would quietly become another run is an error naming the difference.
import '../../../test/gpu.ts';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrainerState } from '../src/train/checkpoint.ts';
import { resolveConfig, resumeConfig } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

const { dir, cfg } = tinyRun('resume', 6, { steps: 4, logEvery: 1 });

describe('resumeConfig (pnpm train --resume DIR [flags])', () => {
  // What a `pnpm train --steps 200 --pooling sif` run saves: warmup derived as 10% of its steps.
  const saved = { ...resolveConfig({ steps: 200, pooling: 'sif', out: 'runs/x' }) } as unknown as Record<
    string,
    unknown
  >;

  it('takes every setting from the run: steps, warmup and pooling are not the defaults', () => {
    const c = resumeConfig('runs/x', saved, {}, 120);
    expect(c).toMatchObject({ steps: 200, warmup: 20, pooling: 'sif', resume: 'runs/x', out: 'runs/x' });
  });

  it("--steps extends the run; the warmup stays the run's", () => {
    expect(resumeConfig('runs/x', saved, { steps: '500' }, 200)).toMatchObject({ steps: 500, warmup: 20 });
  });

  it('fewer steps than done, or a setting that differs, is an error naming each conflict', () => {
    expect(() => resumeConfig('runs/x', saved, { steps: '100' }, 120)).toThrow(
      '--resume runs/x: --steps 100 is fewer than the 120 steps already done',
    );
    expect(() => resumeConfig('runs/x', saved, { pooling: 'cls', lr: '1e-3' }, 120)).toThrow(
      '--resume runs/x: --pooling "cls" conflicts with the run\'s "sif"; --lr 0.001 conflicts with the run\'s 0.0005',
    );
    expect(() => resumeConfig('runs/x', saved, { out: 'runs/y' }, 120)).toThrow(
      '--out runs/y: a resumed run writes to its own dir',
    );
    // Repeating the run's own values is no conflict.
    expect(resumeConfig('runs/x', saved, { pooling: 'sif', out: 'runs/x/' }, 120).pooling).toBe('sif');
  });
});

describe('train with resume', () => {
  it("a config that differs from the checkpoint's, or fewer steps than done, is refused before training", async () => {
    const out = join(dir, 'conflict');
    await train(cfg({ out }), { quiet: true, stopAfter: 2 });
    await expect(train(cfg({ out, resume: out, pooling: 'mean' }), { quiet: true })).rejects.toThrow(
      /config differs from the run's: pooling: run "cls", given "mean"/,
    );
    await expect(train(cfg({ out, resume: out, steps: 1, warmup: 0 }), { quiet: true })).rejects.toThrow(
      /steps: 1 is fewer than the 2 already done/,
    );
    expect((await readTrainerState(out))!.step).toBe(2);
  });

  it('the best dev MAP is saved after the final evaluation and kept across resumes', async () => {
    const out = join(dir, 'best');
    const a = await train(cfg({ out }), { quiet: true });
    expect(a.bestMap).not.toBeNull();
    const st = (await readTrainerState(out))!;
    expect(st).toMatchObject({ step: 4, bestMap: a.bestMap, bestStep: 4 });
    // Extending the finished run: the best so far is the bar to beat, not null.
    const b = await train(cfg({ out, resume: out, steps: 6 }), { quiet: true });
    expect(b.bestMap).toBe(Math.max(a.bestMap!, b.lastEval!.map));
    const bestCfg = JSON.parse(readFileSync(join(out, 'best', 'config.json'), 'utf8')) as { jepa: { step: number } };
    expect(bestCfg.jepa.step).toBe(b.bestStep);
    expect((await readTrainerState(out))!.bestMap).toBe(b.bestMap);
  });

  it('a new run into a dir holding a run is refused unless --overwrite; --overwrite replaces it; stale temp saves are removed', async () => {
    const out = join(dir, 'taken');
    await train(cfg({ out, steps: 2, warmup: 0 }), { quiet: true });
    await expect(train(cfg({ out, steps: 2, warmup: 0 }), { quiet: true })).rejects.toThrow(
      `out ${out}: already holds a run (checkpoint, model.safetensors, metrics.jsonl); continue it with --resume ${out}, or replace it with --overwrite`,
    );
    mkdirSync(join(out, 'mine'));
    writeFileSync(join(out, 'mine', 'notes.txt'), 'keep');
    // A save half-written by a killed run (its pid long gone) is cleared by the next save.
    mkdirSync(join(out, 'checkpoint.tmp-2147483646'));
    writeFileSync(join(out, 'checkpoint.tmp-2147483646', 'model.safetensors'), 'partial');
    const s = await train(cfg({ out, steps: 3, warmup: 0, overwrite: true }), { quiet: true });
    expect(s.steps).toBe(3);
    expect((await readTrainerState(out))!.step).toBe(3);
    expect(readFileSync(join(out, 'mine', 'notes.txt'), 'utf8')).toBe('keep'); // only the run's own files go
    expect(readdirSync(out).filter((f) => f.startsWith('checkpoint'))).toEqual(['checkpoint']);
  });
});
