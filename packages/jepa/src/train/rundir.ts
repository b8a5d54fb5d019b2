// The output dir of a run: a new run never silently replaces an earlier one, and a dir that cannot
// be written is named before any work starts.
import { existsSync } from 'node:fs';
import { access, constants, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** What a run writes into its dir; `--overwrite` removes exactly these (nothing else of the user's). */
export const RUN_FILES = [
  'checkpoint',
  'checkpoint.old',
  'best',
  'model.safetensors',
  'config.json',
  'vocab.txt',
  'token_weights.safetensors',
  'metrics.jsonl',
  'train-config.json',
  'report.html',
  'train-cli.json',
];

/** The files in `dir` that show an earlier run lives there. */
export function runFilesIn(dir: string): string[] {
  return ['checkpoint', 'checkpoint.old', 'model.safetensors', 'metrics.jsonl'].filter((f) => existsSync(join(dir, f)));
}

/**
 * Create (or check) the run dir. A dir with an earlier run is refused unless the run resumes it, or
 * `overwrite` asks to replace it, in which case the earlier run's files are removed first.
 */
export async function prepareRunDir(dir: string, opts: { resume: boolean; overwrite: boolean }): Promise<void> {
  if (!opts.resume) {
    const found = runFilesIn(dir);
    if (found.length && !opts.overwrite) {
      throw new Error(
        `out ${dir}: already holds a run (${found.join(', ')}); continue it with --resume ${dir}, or replace it with --overwrite`,
      );
    }
    if (found.length) for (const f of RUN_FILES) await rm(join(dir, f), { recursive: true, force: true });
  }
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(
      `out ${dir}: cannot write there (${err.code ?? err.message}${err.path && err.path !== dir ? ` at ${err.path}` : ''})`,
    );
  }
}
