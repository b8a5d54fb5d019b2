// What a run reports when it ends, and the hooks a caller (the CLI, tests) gives it.
import type { EncoderEval } from './evaluate.ts';

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
  /** Called once the run dir is ready, before any step: a caller's own files go in it here, so a
   *  run that dies later (a second ^C exits at once) still has them on --resume. */
  onRunDir?: (dir: string) => void | Promise<void>;
  /** Aborting it stops the run after the current step, with a checkpoint (the CLI wires signals to it). */
  signal?: AbortSignal;
}
