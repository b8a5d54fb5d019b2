// Training a run: `train(cfg)` runs the steps in run.ts and turns a GPU device lost mid-run into a
// clean stop that names what was kept.
import { join } from 'node:path';
import { runtime } from '@jepa/tensor';
import { readTrainerState } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import type { EncoderEval } from './evaluate.ts';
import { runTraining, type RunProgress } from './run.ts';

export { buildModel, type TrainContext } from './build.ts';

export type StopReason = 'done' | 'budget' | 'signal' | 'nan' | 'requested' | 'device-lost';

export interface TrainSummary {
  out: string;
  steps: number;
  stopped: StopReason;
  lastEval: EncoderEval | null;
  bestMap: number | null;
  bestStep: number | null;
  seconds: number;
  tokensPerSec: number;
  /** Why a run stopped early (a non-finite value or a lost device: what, at which step, and what was kept). */
  stopMessage: string | null;
}

export interface TrainHooks {
  /** Stop (and checkpoint) after this many steps, as if signalled: used by the resume test. */
  stopAfter?: number;
  /** End the run after this step as if it were the last (full evaluation, model exported) while the
   *  schedule stays `cfg.steps`'s: a time budget cut inside the schedule. The checkpoint is kept, so
   *  a resume continues the schedule. The summary's `stopped` is 'budget'. */
  finishAt?: number;
  /** Called after each step is dispatched, with the number of steps done (tests use it to inject faults). */
  onStep?: (done: number) => void;
  /** No progress output. */
  quiet?: boolean;
  /** Aborting it stops the run after the current step, with a checkpoint (the CLI wires signals to it). */
  signal?: AbortSignal;
}

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
