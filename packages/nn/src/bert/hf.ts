// Hugging Face checkpoint names -> our module names. HF task models prefix the encoder with
// "bert." and carry extras (the position_ids buffer, "cls.*" heads, classifiers); old TF
// conversions name LayerNorm parameters gamma/beta.
import type { LoadStateDictResult, Module } from '../module.ts';
import type { SafetensorsFile } from '../safetensors/index.ts';
import type { TensorLike } from '../state.ts';

export interface NormalisedState {
  state: Map<string, TensorLike>;
  /** Entries recognised as belonging to something else (heads, buffers HF keeps): not loaded. */
  ignored: string[];
}

/**
 * Keep the entries under `prefix` (stripped) when any key has it; everything else, and the names
 * `isExtra` accepts, is set aside as ignored.
 */
export function normaliseHfNames(
  state: ReadonlyMap<string, TensorLike>,
  prefix: string,
  isExtra: (name: string) => boolean,
): NormalisedState {
  const hasPrefix = [...state.keys()].some((k) => k.startsWith(prefix));
  const out = new Map<string, TensorLike>();
  const ignored: string[] = [];
  for (const [raw, t] of state) {
    if (hasPrefix && !raw.startsWith(prefix)) {
      ignored.push(raw);
      continue;
    }
    const name = (hasPrefix ? raw.slice(prefix.length) : raw)
      .replace(/\.gamma$/, '.weight')
      .replace(/\.beta$/, '.bias');
    if (isExtra(name)) ignored.push(raw);
    else out.set(name, t);
  }
  return { state: out, ignored };
}

/**
 * The weights of a checkpoint into a model built for them: every float32 value finite, the pooler
 * built only when the file has one (masked-LM and add_pooling_layer=False checkpoints do not), then
 * a load that names what does not match (the model is freed on failure). `owner` starts each error.
 */
export function loadCheckpointInto<M extends Module>(
  owner: string,
  file: SafetensorsFile,
  names: { weights: string; config: string },
  prefix: string,
  build: (pooler: boolean) => M,
  opts: { pooler?: boolean; strict?: boolean },
): { model: M; load: LoadStateDictResult } {
  for (const [name, t] of file.tensors) {
    const bad = t.dtype === 'F32' ? t.data.findIndex((v) => !Number.isFinite(v)) : -1;
    if (bad >= 0) throw new Error(`${owner}: ${names.weights} tensor "${name}" holds ${t.data[bad]} at index ${bad}`);
  }
  const pooler =
    opts.pooler ?? [...file.tensors.keys()].some((k) => k.startsWith(`${prefix}pooler.`) || k.startsWith('pooler.'));
  const model = build(pooler);
  try {
    return { model, load: model.loadStateDict(file.tensors, { strict: opts.strict }) };
  } catch (e) {
    model.dispose();
    throw new Error(
      `${owner}: ${names.weights} does not match ${names.config}: ${(e as Error).message.replace(/^loadStateDict\(\w+\): /, '')}`,
    );
  }
}
