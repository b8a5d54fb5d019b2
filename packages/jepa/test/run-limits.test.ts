// Options checked against what the model holds before any work, and a best/ for every run that
// evaluated at least once.
import '../../../test/gpu.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrainerState } from '../src/train/checkpoint.ts';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

const { dir, cfg } = tinyRun('run-limits', 4, { steps: 2, warmup: 0 });

describe('checked before any work', () => {
  it("--max-tokens beyond the model's position table (512 rows) is refused naming the flag; nothing is written", async () => {
    const out = join(dir, 'too-long');
    await expect(train(cfg({ out, maxTokens: 100000 }), { quiet: true })).rejects.toThrow(
      "--max-tokens: at most 512, the model's position table (max_position_embeddings in preset tiny), got 100000",
    );
    expect(existsSync(out)).toBe(false);
    // 512 itself fits (checked only: the run is stopped by a bad --stop-after right after the check).
    await expect(train(cfg({ out, maxTokens: 512 }), { quiet: true, finishAt: 99 })).rejects.toThrow('--stop-after');
  });
});

describe('best/', () => {
  it('a run whose --steps is below --eval-every still gets a best/ from its final evaluation', async () => {
    const out = join(dir, 'short');
    const s = await train(cfg({ out, evalEvery: 5, evalQueries: 2 }), { quiet: true });
    expect(s.stopped).toBe('done');
    expect(s.bestMap).toBe(s.lastEval!.map);
    expect(s.bestStep).toBe(2);
    const best = JSON.parse(readFileSync(join(out, 'best', 'config.json'), 'utf8')) as { jepa: { step: number } };
    expect(best.jepa.step).toBe(2);
    expect(existsSync(join(out, 'best', 'model.safetensors'))).toBe(true);
    expect(await readTrainerState(out)).toMatchObject({ step: 2, bestMap: s.bestMap, bestStep: 2 });
  });
});
