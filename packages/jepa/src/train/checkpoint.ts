// Trainer checkpoints. The model export (model.safetensors with HF names, config.json, vocab.txt,
// the tokenizer files and the sentence-transformers layout) sits at the top of the output dir so
// `encode`/`@jepa/nn`, Hugging Face and sentence-transformers load it directly; the resumable state
// (model, heads, optimizer, step) goes to `checkpoint/`, written whole into a temporary dir and
// swapped in by rename, so a crash never loses the last good checkpoint.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  loadCheckpoint,
  readCheckpointState,
  saveCheckpoint,
  saveSafetensorsFile,
  toHost,
  writeFileAtomic,
  type BertModel,
  type BertTokenizer,
  type Module,
  type Optimizer,
  type PoolingMode,
  specialTokensMap,
  tokenizerConfig,
} from '@jepa/nn';
import { sentenceTransformersFiles } from '../model/sentence-transformers.ts';
import { saveTokenWeights } from '../model/sif-save.ts';
import { pidAlive } from './rundir.ts';

export interface ModelMeta {
  pooling: string;
  maxTokens: number;
  objective: string;
  step: number;
}

/**
 * Write the encoder as a Hugging Face BERT dir (config.json with our pooling metadata,
 * model.safetensors, vocab.txt, tokenizer_config.json, special_tokens_map.json) that is also a
 * sentence-transformers dir (modules.json, [1_WordWeights/,] N_Pooling/, sentence_bert_config.json,
 * config_sentence_transformers.json). SIF there is a WordWeights module before a mean Pooling (the
 * same weighted mean); token_weights.safetensors keeps the weights for us (and Hugging Face users).
 */
export async function exportModel(
  dir: string,
  bert: BertModel,
  tokenizer: BertTokenizer,
  meta: ModelMeta,
  tokenWeights: Float32Array | null = null,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Reads issued together share one submit.
  const entries = [...bert.stateDict()];
  const host = await Promise.all(entries.map(([, t]) => toHost(t)));
  await saveSafetensorsFile(join(dir, 'model.safetensors'), Object.fromEntries(entries.map(([n], i) => [n, host[i]])), {
    format: 'pt',
  });
  const config = { architectures: ['BertModel'], model_type: 'bert', ...bert.config, jepa: meta };
  await writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  await writeFileAtomic(join(dir, 'vocab.txt'), tokenizer.vocabText());
  const tokens = Array.from({ length: tokenizer.vocabSize }, (_, i) => tokenizer.idToToken(i));
  const json = (j: unknown) => `${JSON.stringify(j, null, 2)}\n`;
  // model_max_length: the length it was trained at (positions past it were never trained).
  await writeFileAtomic(join(dir, 'tokenizer_config.json'), json(tokenizerConfig(tokenizer, meta.maxTokens)));
  await writeFileAtomic(join(dir, 'special_tokens_map.json'), json(specialTokensMap()));
  const st = sentenceTransformersFiles({
    hidden: bert.config.hidden_size,
    pooling: (meta.pooling === 'sif' ? 'mean' : meta.pooling) as PoolingMode,
    maxSeqLength: meta.maxTokens,
    normalize: false,
    wordWeights: tokenWeights ? { vocab: tokens, weights: tokenWeights } : null,
  });
  // A re-export may change the module list (SIF or not): drop the old numbered module folders.
  for (const name of await readdir(dir)) {
    if (/^\d+_(WordWeights|Pooling|Normalize)$/.test(name)) await rm(join(dir, name), { recursive: true, force: true });
  }
  for (const [rel, text] of Object.entries(st)) {
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    if (text !== null) await writeFileAtomic(join(dir, rel), text);
  }
  if (tokenWeights) await saveTokenWeights(dir, tokenWeights);
}

const STATE_FILE = 'state.json';

export interface TrainerState {
  step: number;
  config: Record<string, unknown>;
  bestMap: number | null;
  bestStep: number | null;
}

export interface TrainerParts {
  model: Module;
  heads: Record<string, Module>;
  optimizer: Optimizer;
}

/** @jepa/nn's checkpoint, written whole into a temporary dir and swapped in by rename. A failed write
 *  (disk full) leaves no temporary dir and names the file and the checkpoint that is still intact. */
export async function saveTrainerCheckpoint(outDir: string, parts: TrainerParts, state: TrainerState): Promise<void> {
  await removeStaleTemps(outDir);
  try {
    await replaceDir(join(outDir, 'checkpoint'), `checkpoint.tmp-${process.pid}`, (tmp) =>
      saveCheckpoint(tmp, { ...parts, extra: state }).then(() => undefined),
    );
  } catch (e) {
    const kept = await readTrainerState(outDir).catch(() => null);
    throw new Error(
      `checkpoint of step ${state.step}: ${writeFailure(e)}; ${
        kept
          ? `the checkpoint of step ${kept.step} in ${checkpointDir(outDir)} is intact; free space, then continue with --resume ${outDir}`
          : 'no earlier checkpoint of this run exists'
      }`,
    );
  }
}

/**
 * Replace the dir `final` by one `write` fills under the temporary name `tmpName` beside it: the
 * previous dir stays (as `<final>.old`) until the new one is in place, so a crash or a failed write
 * never leaves neither. On failure the temporary dir is removed.
 */
export async function replaceDir(final: string, tmpName: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = join(dirname(final), tmpName);
  const old = `${final}.old`;
  await rm(tmp, { recursive: true, force: true });
  try {
    await write(tmp);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
  if (existsSync(final)) await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
}

/** "cannot write FILE (ENOSPC: no space left on device)" from a failed write's error. */
export function writeFailure(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!(err instanceof Error)) return String(e);
  if (!err.code) return err.message;
  const why = err.message.split(',')[0]; // "ENOSPC: no space left on device"
  return `cannot write ${err.path ?? 'a file'} (${why})`;
}

/** Half-written `checkpoint.tmp-<pid>` (and `best.tmp-<pid>`) dirs of runs that were killed (their process is gone). */
async function removeStaleTemps(outDir: string): Promise<void> {
  for (const name of await readdir(outDir).catch(() => [] as string[])) {
    const pid = /^(?:checkpoint|best)\.tmp-(\d+)$/.exec(name)?.[1];
    if (pid && Number(pid) !== process.pid && !pidAlive(Number(pid)))
      await rm(join(outDir, name), { recursive: true, force: true });
  }
}

/** The dir holding the run's latest complete checkpoint, or null. */
export function checkpointDir(outDir: string): string | null {
  for (const d of ['checkpoint', 'checkpoint.old']) {
    // .old: a crash between the two renames
    if (existsSync(join(outDir, d, 'state.json'))) return join(outDir, d);
  }
  return null;
}

/** The trainer state saved with the run's checkpoint (step, config, best score), or null. */
export async function readTrainerState(outDir: string): Promise<TrainerState | null> {
  const dir = checkpointDir(outDir);
  return dir ? checkTrainerState((await readCheckpointState(dir)).extra, join(dir, STATE_FILE)) : null;
}

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The trainer state read back from `path` (its "extra"), checked field by field: a hand-edited or
 * damaged state.json is refused naming the file and the field, never trained on as it reads.
 */
export function checkTrainerState(extra: unknown, path: string): TrainerState {
  const bad = (field: string, what: string, v: unknown) =>
    new Error(`${path}: "${field}" must be ${what}, got ${show(v)}`);
  if (extra === null || typeof extra !== 'object' || Array.isArray(extra))
    throw new Error(`${path}: "extra" must be an object holding the trainer state, got ${show(extra)}`);
  const e = extra as Record<string, unknown>;
  if (!isCount(e.step)) throw bad('step', 'a non-negative integer', e.step);
  if (e.config === null || typeof e.config !== 'object' || Array.isArray(e.config))
    throw bad('config', 'an object (the run config)', e.config);
  const bestMap = e.bestMap ?? null;
  if (bestMap !== null && !(typeof bestMap === 'number' && Number.isFinite(bestMap) && bestMap >= 0 && bestMap <= 100))
    throw bad('bestMap', 'null or a number in [0, 100] (MAP ×100)', e.bestMap);
  const bestStep = e.bestStep ?? null;
  if (bestStep !== null && !(isCount(bestStep) && bestStep <= e.step))
    throw bad('bestStep', `null or an integer in [0, step ${e.step}]`, e.bestStep);
  if ((bestMap === null) !== (bestStep === null))
    throw new Error(
      `${path}: "bestMap" and "bestStep" must both be set or both be null, got ${show(bestMap)} and ${show(bestStep)}`,
    );
  const config = e.config as Record<string, unknown>;
  if (config.steps !== undefined && !(isCount(config.steps) && config.steps >= e.step))
    throw bad('config.steps', `an integer of at least step ${e.step}`, config.steps);
  return { step: e.step, config, bestMap, bestStep };
}

/** Update the trainer state in place (state.json only; the tensors are unchanged). */
export async function updateTrainerState(outDir: string, patch: Partial<TrainerState>): Promise<void> {
  const dir = checkpointDir(outDir);
  if (!dir) return;
  const state = await readCheckpointState(dir);
  state.extra = { ...(state.extra as TrainerState), ...patch };
  await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

export async function loadTrainerCheckpoint(outDir: string, parts: TrainerParts): Promise<TrainerState> {
  const dir = checkpointDir(outDir);
  if (!dir) throw new Error(`--resume ${outDir}: no checkpoint (expected ${join(outDir, 'checkpoint', 'state.json')})`);
  const checked = checkTrainerState((await readCheckpointState(dir)).extra, join(dir, STATE_FILE)); // before any tensor is read
  await loadCheckpoint(dir, { ...parts, restoreRng: false });
  return checked;
}
