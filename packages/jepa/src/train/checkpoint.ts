// Trainer checkpoints. The model export (model.safetensors with HF names, config.json, vocab.txt)
// sits at the top of the output dir so `encode`/`@jepa/nn` load it directly; the resumable state
// (model, heads, optimizer, step) goes to `checkpoint/`, written whole into a temporary dir and
// swapped in by rename, so a crash never loses the last good checkpoint.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadCheckpoint, saveCheckpoint, saveSafetensorsFile, toHost, writeFileAtomic,
  type BertModel, type BertTokenizer, type Module, type Optimizer,
} from '@jepa/nn';
import { saveTokenWeights } from '../model/sif-save.ts';

export interface ModelMeta {
  pooling: string;
  maxTokens: number;
  objective: string;
  step: number;
}


/** Write the encoder as a Hugging Face BERT dir, plus our pooling metadata in config.json. */
export async function exportModel(
  dir: string, bert: BertModel, tokenizer: BertTokenizer, meta: ModelMeta, tokenWeights: Float32Array | null = null,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Reads issued together share one submit.
  const entries = [...bert.stateDict()];
  const host = await Promise.all(entries.map(([, t]) => toHost(t)));
  await saveSafetensorsFile(join(dir, 'model.safetensors'), Object.fromEntries(entries.map(([n], i) => [n, host[i]])), { format: 'pt' });
  const config = { architectures: ['BertModel'], model_type: 'bert', ...bert.config, jepa: meta };
  await writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const vocab = Array.from({ length: tokenizer.vocabSize }, (_, i) => tokenizer.idToToken(i)).join('\n') + '\n';
  await writeFileAtomic(join(dir, 'vocab.txt'), vocab);
  if (tokenWeights) await saveTokenWeights(dir, tokenWeights);
}

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

/** @jepa/nn's checkpoint, written whole into a temporary dir and swapped in by rename. */
export async function saveTrainerCheckpoint(outDir: string, parts: TrainerParts, state: TrainerState): Promise<void> {
  const final = join(outDir, 'checkpoint');
  const tmp = join(outDir, `checkpoint.tmp-${process.pid}`);
  const old = join(outDir, 'checkpoint.old');
  await rm(tmp, { recursive: true, force: true });
  await saveCheckpoint(tmp, { ...parts, extra: state });
  // The previous checkpoint stays (as .old) until the new one is in place.
  await rm(old, { recursive: true, force: true });
  if (existsSync(final)) await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
}

export async function loadTrainerCheckpoint(outDir: string, parts: TrainerParts): Promise<TrainerState> {
  let dir = join(outDir, 'checkpoint');
  if (!existsSync(join(dir, 'state.json')) && existsSync(join(outDir, 'checkpoint.old', 'state.json'))) {
    dir = join(outDir, 'checkpoint.old'); // a crash between the two renames
  }
  if (!existsSync(join(dir, 'state.json'))) throw new Error(`--resume ${outDir}: no checkpoint (expected ${dir}/state.json)`);
  const st = await loadCheckpoint(dir, { ...parts, restoreRng: false });
  return st.extra as TrainerState;
}
