// Hugging Face checkpoint names -> our module names. HF task models prefix the encoder with
// "bert." and carry extras (the position_ids buffer, "cls.*" heads, classifiers); old TF
// conversions name LayerNorm parameters gamma/beta.
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
