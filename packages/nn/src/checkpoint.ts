// Checkpoints: a directory with model.safetensors (HF names; heads under their prefix, e.g.
// "cls." for the MLM head), optimizer.safetensors (slot tensors + step) and state.json. Each file
// is replaced atomically; state.json goes last and records the other files' sizes, so a crash
// mid-save leaves either the previous checkpoint or a detectably incomplete one.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getGeneratorState, setGeneratorState, type GeneratorState, type Tensor } from '@jepa/tensor';
import { writeFileAtomic } from './io/atomic.ts';
import type { LoadStateDictResult, Module } from './module.ts';
import type { Optimizer } from './optim/optimizer.ts';
import { loadSafetensorsFile, type SafeTensor } from './safetensors/index.ts';
import { saveSafetensorsFile } from './safetensors/save.ts';
import { toHost } from './state.ts';

export interface CheckpointParts {
  model: Module;
  /** Extra modules saved in model.safetensors as "<prefix>.<name>" (e.g. { cls: mlmHead }). */
  heads?: Record<string, Module>;
  optimizer?: Optimizer;
}

export interface SaveCheckpointOptions extends CheckpointParts {
  /** Anything JSON-serialisable (training config, data position, metrics). */
  extra?: unknown;
}

export interface LoadCheckpointOptions extends CheckpointParts {
  /** Restore the global RNG stream saved with the checkpoint (default true). */
  restoreRng?: boolean;
  /** Throw on missing/unexpected/mis-shaped model tensors (default true). */
  strict?: boolean;
}

export interface CheckpointState {
  version: 1;
  savedAt: string;
  rng: GeneratorState;
  optimizer: { kind: string; step: number } | null;
  extra: unknown;
  /** Byte sizes of the data files, checked on load. */
  files: Record<string, number>;
}

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';

function namedTensors(parts: CheckpointParts): Map<string, Tensor> {
  const out = new Map(parts.model.stateDict());
  for (const [prefix, m] of Object.entries(parts.heads ?? {})) {
    for (const [n, t] of m.stateDict()) out.set(`${prefix}.${n}`, t);
  }
  return out;
}

async function hostOf(
  tensors: Map<string, Tensor>,
): Promise<Record<string, { shape: number[]; data: Float32Array | Int32Array }>> {
  const names = [...tensors.keys()];
  const values = await Promise.all(names.map((n) => toHost(tensors.get(n)!)));
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

export async function saveCheckpoint(dir: string, opts: SaveCheckpointOptions): Promise<CheckpointState> {
  await mkdir(dir, { recursive: true });
  // Read everything back first, so the files describe one moment of training.
  const model = await hostOf(namedTensors(opts));
  const optState = opts.optimizer?.state();
  let opt: Awaited<ReturnType<typeof hostOf>> | undefined;
  try {
    opt = optState && (await hostOf(optState.tensors));
  } finally {
    for (const t of optState?.tensors.values() ?? []) t.dispose();
  }
  const files: Record<string, number> = {};
  await saveSafetensorsFile(join(dir, MODEL_FILE), model, { format: 'pt' });
  files[MODEL_FILE] = (await stat(join(dir, MODEL_FILE))).size;
  if (optState && opt) {
    const meta: Record<string, string> = { kind: optState.kind, step: String(optState.step) };
    if (optState.paramSteps) meta.param_steps = JSON.stringify(optState.paramSteps);
    await saveSafetensorsFile(join(dir, OPTIMIZER_FILE), opt, meta);
    files[OPTIMIZER_FILE] = (await stat(join(dir, OPTIMIZER_FILE))).size;
  }
  const state: CheckpointState = {
    version: 1,
    savedAt: new Date().toISOString(),
    rng: getGeneratorState(),
    optimizer: optState ? { kind: optState.kind, step: optState.step } : null,
    extra: opts.extra ?? null,
    files,
  };
  await writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** state.json's own fields, each checked (a hand edit or a damaged file is named, field by field). */
function checkStateFields(state: unknown, path: string): asserts state is CheckpointState {
  const bad = (field: string, what: string, v: unknown) =>
    new Error(
      `loadCheckpoint: ${path}: "${field}" must be ${what}, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
    );
  if (!isObject(state)) throw bad('(top level)', 'an object', state);
  if (state.version !== 1) throw new Error(`loadCheckpoint: ${path} has unsupported version ${String(state.version)}`);
  if (state.files !== undefined) {
    if (!isObject(state.files)) throw bad('files', 'an object of byte sizes', state.files);
    for (const [f, size] of Object.entries(state.files))
      if (!isCount(size)) throw bad(`files.${f}`, 'a non-negative integer (bytes)', size);
  }
  if (state.optimizer !== null && state.optimizer !== undefined) {
    const o = state.optimizer;
    if (!isObject(o)) throw bad('optimizer', 'null or an object', o);
    if (typeof o.kind !== 'string') throw bad('optimizer.kind', 'a string', o.kind);
    if (!isCount(o.step)) throw bad('optimizer.step', 'a non-negative integer', o.step);
  }
  if (state.rng !== undefined && !isObject(state.rng)) throw bad('rng', 'an object (the generator state)', state.rng);
}

/** Read state.json, checking its fields and that the files it lists are complete. */
export async function readCheckpointState(dir: string): Promise<CheckpointState> {
  const path = join(dir, STATE_FILE);
  let state: CheckpointState;
  try {
    state = JSON.parse(await readFile(path, 'utf8')) as CheckpointState;
  } catch (e) {
    throw new Error(`loadCheckpoint: cannot read ${path}: ${(e as Error).message}`);
  }
  checkStateFields(state, path);
  for (const [file, size] of Object.entries(state.files ?? {})) {
    const actual = await stat(join(dir, file)).then(
      (s) => s.size,
      () => -1,
    );
    if (actual !== size)
      throw new Error(
        `loadCheckpoint: ${join(dir, file)} is ${actual < 0 ? 'missing' : `${actual} bytes`}, state.json says ${size}`,
      );
  }
  return state;
}

/**
 * Load a checkpoint into existing modules (and optimizer). Model names/shapes are checked strictly
 * by default; optimizer state always is. Returns the saved state (extra, step, rng).
 */
export async function loadCheckpoint(
  dir: string,
  opts: LoadCheckpointOptions,
): Promise<CheckpointState & { load: LoadStateDictResult }> {
  const state = await readCheckpointState(dir);
  const file = await loadSafetensorsFile(join(dir, MODEL_FILE));
  const heads = Object.entries(opts.heads ?? {});
  const own = new Map<string, SafeTensor>();
  const perHead = new Map(heads.map(([p]) => [p, new Map<string, SafeTensor>()]));
  for (const [name, t] of file.tensors) {
    const head = heads.find(([p]) => name.startsWith(`${p}.`));
    if (head) perHead.get(head[0])!.set(name.slice(head[0].length + 1), t);
    else own.set(name, t);
  }
  const strict = opts.strict ?? true;
  const load = opts.model.loadStateDict(own, { strict });
  for (const [p, m] of heads) {
    const r = m.loadStateDict(perHead.get(p)!, { strict });
    load.missing.push(...r.missing.map((n) => `${p}.${n}`));
    load.unexpected.push(...r.unexpected.map((n) => `${p}.${n}`));
    load.mismatched.push(...r.mismatched.map((n) => `${p}.${n}`));
  }
  if (opts.optimizer) {
    if (!state.optimizer) throw new Error(`loadCheckpoint: ${dir} has no optimizer state`);
    const o = await loadSafetensorsFile(join(dir, OPTIMIZER_FILE));
    const paramSteps =
      o.metadata.param_steps === undefined ? undefined : (JSON.parse(o.metadata.param_steps) as number[]);
    opts.optimizer.loadState({
      kind: o.metadata.kind ?? state.optimizer.kind,
      step: Number(o.metadata.step ?? state.optimizer.step),
      paramSteps,
      tensors: o.tensors,
    });
  }
  if (opts.restoreRng ?? true) setGeneratorState(state.rng);
  return { ...state, load };
}
