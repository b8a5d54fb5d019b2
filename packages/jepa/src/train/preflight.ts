// Checks made before a run touches anything (its dir, the GPU's memory): the CLI and the trainer
// call the same ones, so a bad request fails the same way from either.
import { join } from 'node:path';
import { readTrainerState, type TrainerState } from './checkpoint.ts';

/** The state of the checkpoint in the run dir `dir`; none there is an error naming the file expected. */
export async function requireCheckpoint(dir: string): Promise<TrainerState> {
  const state = await readTrainerState(dir);
  if (!state) throw new Error(`--resume ${dir}: no checkpoint (expected ${join(dir, 'checkpoint', 'state.json')})`);
  return state;
}

/** A stop (--stop-after, the trainer's finishAt) must be a step of what is left of the schedule. */
export function checkStopAfter(stopAfter: number, steps: number, done: number): void {
  if (!Number.isInteger(stopAfter) || stopAfter <= done || stopAfter > steps) {
    throw new Error(`--stop-after: must be after ${done ? `the checkpoint's step ${done}` : 'step 0'} and at most --steps ${steps}, got ${stopAfter}`);
  }
}
