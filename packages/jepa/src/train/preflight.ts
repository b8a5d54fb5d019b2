// Checks made before a run touches anything (its dir, the GPU's memory): the CLI and the trainer
// call the same ones, so a bad request fails the same way from either.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bertConfig } from '@jepa/nn';
import { loadTrainPairs, usesPairs } from '../data/pairs.ts';
import { readTrainerState, type TrainerState } from './checkpoint.ts';
import { runConflicts, type TrainConfig } from './config.ts';

/** The state of the checkpoint in the run dir `dir`; none there is an error naming the file expected. */
export async function requireCheckpoint(dir: string): Promise<TrainerState> {
  const state = await readTrainerState(dir);
  if (!state) throw new Error(`--resume ${dir}: no checkpoint (expected ${join(dir, 'checkpoint', 'state.json')})`);
  return state;
}

/** A stop (--stop-after, the trainer's finishAt) must be a step of what is left of the schedule. */
export function checkStopAfter(stopAfter: number, steps: number, done: number): void {
  if (!Number.isInteger(stopAfter) || stopAfter <= done || stopAfter > steps) {
    throw new Error(
      `--stop-after: must be after ${done ? `the checkpoint's step ${done}` : 'step 0'} and at most --steps ${steps}, got ${stopAfter}`,
    );
  }
}

/** Before the run dir is touched (a bad stop must not cost an --overwrite'd earlier run): a resumed
 *  run must be the run in its checkpoint, and a stop must fall in what is left of the schedule. */
export async function checkRunRequest(cfg: TrainConfig, finishAt: number | undefined): Promise<void> {
  const saved = cfg.resume ? await requireCheckpoint(cfg.resume) : null;
  if (saved) {
    const conflicts = runConflicts(saved.config, cfg, saved.step);
    if (conflicts.length)
      throw new Error(`resume ${cfg.resume}: the config differs from the run's: ${conflicts.join('; ')}`);
  }
  if (finishAt !== undefined) checkStopAfter(finishAt, cfg.steps, saved?.step ?? 0);
  checkMaxTokens(cfg);
  if (usesPairs(cfg)) loadTrainPairs(cfg); // a malformed pairs file fails before an --overwrite'd run is removed
}

/** The sizes of the model a run builds that its options must fit: --init's config.json, else the preset's. */
export function modelSizes(cfg: TrainConfig): { positions: number; hidden: number; from: string } | null {
  if (cfg.init) {
    const file = join(cfg.init, 'config.json');
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { max_position_embeddings?: unknown; hidden_size?: unknown };
      const { max_position_embeddings: positions, hidden_size: hidden } = c;
      return typeof positions === 'number' && typeof hidden === 'number' ? { positions, hidden, from: file } : null;
    } catch {
      return null; // unreadable: the model's own load names what is wrong
    }
  }
  const c = bertConfig(cfg.preset);
  return { positions: c.max_position_embeddings, hidden: c.hidden_size, from: `preset ${cfg.preset}` };
}

/** --max-tokens must fit the model's position table: a longer sentence has no position to take. */
export function checkMaxTokens(cfg: TrainConfig): void {
  const sizes = modelSizes(cfg);
  if (sizes && cfg.maxTokens > sizes.positions) {
    throw new Error(
      `--max-tokens: at most ${sizes.positions}, the model's position table (max_position_embeddings in ${sizes.from}), got ${cfg.maxTokens}`,
    );
  }
}
