// Options checked against what the model and the device hold before any work, and a best/ for every run that
// evaluated at least once.
import '../../../test/gpu.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { BufferLimitError, runtime } from '@jepa/tensor';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrainerState } from '../src/train/checkpoint.ts';
import { namedBatchLimit } from '../src/train/device-fit.ts';
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

  it("a batch over the device's buffer limit is refused naming --batch-size and what fits; nothing is written", async () => {
    const out = join(dir, 'too-wide');
    const limit = runtime().limits.maxStorageBufferBindingSize;
    const batchSize = Math.ceil(limit / (16 * 128 * 4)) + 1; // the embedding output [batch, 16, 128] f32 just over it
    const bytes = batchSize * 16 * 128 * 4;
    await expect(train(cfg({ out, batchSize }), { quiet: true })).rejects.toThrow(
      `--batch-size ${batchSize} (with --max-tokens 16): a step needs a buffer of ${bytes} bytes (the embedding output [${batchSize}, 16, 128] in f32), above this device's limit of ${limit} bytes (maxStorageBufferBindingSize); try --batch-size ${Math.floor((batchSize * limit) / bytes)} or less, or a smaller --max-tokens`,
    );
    expect(existsSync(out)).toBe(false);
    // A buffer met later in a step (not foreseen above) is named the same way.
    const e = namedBatchLimit(cfg({ batchSize: 3000 }), new BufferLimitError('matmul output', 2 * limit, limit));
    expect((e as Error).message).toBe(
      `--batch-size 3000 (with --max-tokens 16): a step needs a buffer of ${2 * limit} bytes (matmul output), above this device's limit of ${limit} bytes (maxStorageBufferBindingSize); try --batch-size 1500 or less, or a smaller --max-tokens`,
    );
    const other = new Error('something else');
    expect(namedBatchLimit(cfg({}), other)).toBe(other);
  });

  it('an --out the system cannot create is named with the reason, quickly (a read-only or virtual file system)', async () => {
    // Node's own recursive mkdir says ENOENT on a read-only file system and never returns under /proc.
    if (!existsSync('/proc/self')) return;
    const out = '/proc/jepa-run-limits/run';
    const t0 = Date.now();
    await expect(train(cfg({ out }), { quiet: true })).rejects.toThrow(
      `out ${out}: cannot write there (ENOENT: no such file or directory at /proc/jepa-run-limits)`,
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    // A file in the way of the dir.
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await expect(train(cfg({ out: join(file, 'run') }), { quiet: true })).rejects.toThrow(
      `out ${join(file, 'run')}: cannot write there (ENOTDIR: not a directory)`,
    );
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
