// Training a run: `train(cfg)` runs the steps in run.ts and turns a GPU device lost mid-run into a
// clean stop that names what was kept.
import { join } from 'node:path';
import { runtime } from '@jepa/tensor';
import { readTrainerState } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { runTraining, type RunProgress } from './run.ts';
import type { TrainHooks, TrainSummary } from './summary.ts';

export { buildModel, type TrainContext } from './build.ts';
export type { StopReason, TrainHooks, TrainSummary } from './summary.ts';

/**
 * Train per `cfg`. A device lost mid-run ends it as 'device-lost': the weights live on the GPU, so
 * nothing after the last checkpoint can be saved; the message names that checkpoint, which stays intact.
 */
export async function train(cfg: TrainConfig, hooks: TrainHooks = {}): Promise<TrainSummary> {
  const t0 = Date.now();
  const at: RunProgress = { step: 0 };
  try {
    return await runTraining(cfg, hooks, at);
  } catch (e) {
    if (deviceAlive()) throw e;
    const out = cfg.resume ?? cfg.out;
    const st = await readTrainerState(out).catch(() => null);
    const kept = st
      ? `the checkpoint of step ${st.step} in ${join(out, 'checkpoint')} is kept`
      : 'no checkpoint had been saved';
    const stopMessage = `stopping: ${(e as Error).message.split('\n')[0]} (at step ${at.step}); the weights were on the GPU, so the steps after the last checkpoint are lost; ${kept}`;
    if (!hooks.quiet) process.stderr.write(`\n${stopMessage}\n`);
    const seconds = (Date.now() - t0) / 1000;
    return {
      out,
      steps: st?.step ?? 0,
      stopped: 'device-lost',
      lastEval: null,
      bestMap: st?.bestMap ?? null,
      bestStep: st?.bestStep ?? null,
      seconds,
      tokensPerSec: 0,
      stopMessage,
    };
  }
}

function deviceAlive(): boolean {
  try {
    return runtime().alive;
  } catch {
    return true; // not initialised (or shut down): whatever failed, it was not a lost device
  }
}
