// A GPU device lost mid-run: the run ends without a crash or an unhandled rejection, the last
// checkpoint stays intact, and the message says which one is kept (the weights were on the GPU).
import '../../../test/gpu.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '@jepa/nn';
import { init, runtime, shutdown } from '@jepa/tensor';
import { ASKUBUNTU_DEV_PATH, TRAIN_TITLES_PATH } from '../src/data/paths.ts';
import { readTrainerState } from '../src/train/checkpoint.ts';
import { RECIPES, resolveConfig } from '../src/train/config.ts';
import { buildModel, train } from '../src/train/trainer.ts';

const dir = mkdtempSync(join(tmpdir(), 'jepa-device-loss-'));
const pool = join(dir, 'pool.txt');
writeFileSync(pool, readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').slice(0, 200).join('\n'));
const devFile = join(dir, 'dev.jsonl');
writeFileSync(devFile, `${readFileSync(ASKUBUNTU_DEV_PATH, 'utf8').split('\n').slice(0, 4).join('\n')}\n`);

describe('device loss', () => {
  it('mid-run: stops as device-lost, names the kept checkpoint, which still loads', async () => {
    const out = join(dir, 'run');
    const cfg = resolveConfig(RECIPES.bert, {
      steps: 20,
      batchSize: 8,
      maxTokens: 16,
      expander: '64,64',
      evalEvery: 4,
      evalQueries: 2,
      warmup: 0,
      trainFile: pool,
      evalFile: devFile,
      out,
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    // Simulated loss: destroying the device fires its `lost` promise, as a driver reset does.
    const s = await train(cfg, { quiet: true, onStep: (done) => done === 6 && runtime().gpu.device.destroy() });
    await new Promise((r) => setTimeout(r, 100));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
    expect(s.stopped).toBe('device-lost');
    expect(s.stopMessage).toMatch(
      new RegExp(
        `^stopping: the GPU device was lost: destroyed.* \\(at step \\d+\\); the weights were on the GPU, so the steps after the last checkpoint are lost; the checkpoint of step 4 in ${join(out, 'checkpoint')} is kept$`,
      ),
    );
    // A new device: the kept checkpoint is complete and loads.
    await shutdown();
    await init();
    expect((await readTrainerState(out))!.step).toBe(4);
    const { encoder, objective } = await buildModel(cfg, readFileSync(pool, 'utf8').split('\n'));
    const st = await loadCheckpoint(join(out, 'checkpoint'), { model: encoder.bert, heads: objective.heads });
    expect((st.extra as { step: number }).step).toBe(4);
    encoder.bert.dispose();
  });
});
