// A short soak: a run with periodic evaluations and checkpoints holds its host memory (RSS) and its
// GPU buffer count flat after warm-up. (The long version: scripts/soak.ts, result in the README.)
import '../../../test/gpu.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runtime } from '@jepa/tensor';
import { ASKUBUNTU_DEV_PATH, TRAIN_TITLES_PATH } from '../src/data/paths.ts';
import { resolveConfig } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';

const dir = mkdtempSync(join(tmpdir(), 'jepa-soak-'));
const pool = join(dir, 'pool.txt');
writeFileSync(pool, readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').slice(0, 300).join('\n'));
const devFile = join(dir, 'dev.jsonl');
writeFileSync(devFile, readFileSync(ASKUBUNTU_DEV_PATH, 'utf8').split('\n').slice(0, 4).join('\n') + '\n');

it('RSS and live GPU buffers stay flat over 60 steps with evaluations and checkpoints every 10', async () => {
  const steps = 60;
  const buffers: number[] = [];
  const rss: number[] = [];
  const s = await train(resolveConfig({
    steps, batchSize: 4, maxTokens: 12, expander: '32,32', evalEvery: 10, evalQueries: 2, trainFile: pool, evalFile: devFile, out: join(dir, 'run'),
  }), {
    quiet: true,
    onStep: () => {
      buffers.push(runtime().stats().liveBuffers);
      // Under a CPU driver (lavapipe) GPU buffers are host memory: count the buffer pool apart.
      const st = runtime().stats();
      rss.push((process.memoryUsage().rss - (runtime().gpu.info.isCpu ? st.liveBytes + st.pooledBytes : 0)) / 2 ** 20);
    },
  });
  expect(s.stopped).toBe('done');
  expect(buffers.length).toBe(steps);
  // Warm-up: the first evaluation and checkpoint (step 10) allocate once; compare steps 20-39 with 40-59.
  const max = (a: number[]) => Math.max(...a);
  // RSS (less the buffer pool) saw-tooths with the garbage collector: compare its floors. V8 still
  // grows its heap a little this early (about +20 MiB over these 20 steps here), so the bound
  // catches leaks of some 3 MiB a step; the long run (scripts/soak.ts) measures the slope.
  const min = (a: number[]) => Math.min(...a);
  expect(max(buffers.slice(40)), `live buffers ${buffers.join(' ')}`).toBeLessThanOrEqual(max(buffers.slice(20, 40)));
  expect(min(rss.slice(40)) - min(rss.slice(20, 40)), `RSS MiB ${rss.map((r) => r.toFixed(0)).join(' ')}`).toBeLessThan(60);
});
