// Node: a safetensors file written atomically, from host arrays or GPU tensors (a module's
// stateDict() as it is: a Map of live tensors, read back here).
import { isTensor, toHost } from '../state.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { hostTensors, type TensorsToSave } from './input.ts';
import { writeSafetensors } from './write.ts';

/**
 * Write `tensors` (a Map or object by name, or a list of { name, shape, data }; GPU tensors are
 * read back) to `path`. Anything that is not a tensor, and an empty input without metadata, is an
 * error naming what was given: nothing is written then.
 */
export async function saveSafetensorsFile(
  path: string,
  tensors: TensorsToSave,
  metadata: Record<string, string> = {},
): Promise<void> {
  const entries = hostTensors(tensors, path, Object.keys(metadata ?? {}).length > 0);
  const list = await Promise.all(
    entries.map(async ([name, t]) => {
      const h = isTensor(t) ? await toHost(t) : t;
      return { name, shape: h.shape, data: h.data };
    }),
  );
  await writeFileAtomic(path, writeSafetensors(list, metadata));
}
